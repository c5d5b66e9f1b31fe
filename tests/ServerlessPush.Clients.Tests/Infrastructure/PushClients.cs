using ServerlessPush.Testing;

namespace ServerlessPush.Clients.Tests.Infrastructure;

public enum PushOp
{
    /// <summary>PUT: replace the group.</summary>
    Push,

    /// <summary>POST: replace only the pushed metric families.</summary>
    PushAdd,

    /// <summary>DELETE the group.</summary>
    Delete,
}

/// <summary>The result of one client call: success, and what to show when it is not what a test expected.</summary>
public sealed record ClientOutcome(bool Succeeded, string Details);

/// <summary>A real client library that pushes backup_* metrics to job="backup", instance="db-1", site="eu".</summary>
public abstract class PushClient
{
    public abstract string Name { get; }

    /// <summary>False when the library has no delete call (prometheus-net).</summary>
    public virtual bool CanDelete => true;

    public abstract Task<ClientOutcome> RunAsync(PushOp op, Uri gateway, string? key);

    public override string ToString() => Name;

    public static readonly IReadOnlyDictionary<string, PushClient> All = new PushClient[]
    {
        new ScriptClient("prom-client", "node/prom-client.js", () => Tools.Node, ["push", "pushAdd", "delete"]),
        new ScriptClient("axios", "node/axios.js", () => Tools.Node, ["push", "pushAdd", "delete"]),
        new ScriptClient("python", "python/push.py", () => Tools.Python, ["push", "pushadd", "delete"]),
        new ScriptClient("curl", "curl/push.sh", () => Tools.Bash, ["push", "pushadd", "delete"]),
        new GoPushClient(),
        new PrometheusNetClient(),
    }.ToDictionary(c => c.Name);

    public static TheoryData<string> Names => [.. All.Keys];

    /// <summary>The gateway URL as clients take it: no trailing slash.</summary>
    protected static string Url(Uri gateway) => gateway.ToString().TrimEnd('/');

    protected static Dictionary<string, string?> Environment(Uri gateway, string? key) => new()
    {
        ["PUSHGATEWAY_URL"] = Url(gateway),
        ["PUSHGATEWAY_KEY"] = key,
        ["NODE_PATH"] = Path.Combine(RepoPaths.Root, "node_modules"),
        ["NO_PROXY"] = "127.0.0.1,localhost",
        ["no_proxy"] = "127.0.0.1,localhost",
        ["HTTP_PROXY"] = null,
        ["http_proxy"] = null,
    };
}

public static class Tools
{
    public static string Node => RepoPaths.Executable("NODE_BIN", "Install Node.js 20.", "node");

    /// <summary>Debian's python3 (with python3-prometheus-client), not a pyenv shim found first on PATH.</summary>
    public static string Python =>
        System.Environment.GetEnvironmentVariable("PYTHON_BIN") is { Length: > 0 } p ? p
        : File.Exists("/usr/bin/python3") ? "/usr/bin/python3"
        : RepoPaths.Executable(null, "Install python3 and python3-prometheus-client.", "python3");

    public static string Bash => RepoPaths.Executable(null, "Install bash.", "bash");
}

/// <summary>A script under clients/ run by an interpreter with the operation as its one argument.</summary>
public sealed class ScriptClient(string name, string script, Func<string> interpreter, string[] opNames) : PushClient
{
    public override string Name => name;

    public string Script => script;

    public override async Task<ClientOutcome> RunAsync(PushOp op, Uri gateway, string? key)
    {
        var run = await ClientProcess.RunAsync(interpreter(), [Path.Combine(ClientFiles.Directory, script), opNames[(int)op]],
            Environment(gateway, key));
        return new ClientOutcome(run.ExitCode == 0, run.ToString());
    }
}

public sealed class GoPushClient : PushClient
{
    public override string Name => "go";

    public override async Task<ClientOutcome> RunAsync(PushOp op, Uri gateway, string? key)
    {
        var binary = await GoClient.GetAsync();
        var run = await ClientProcess.RunAsync(binary, [op switch { PushOp.Push => "push", PushOp.PushAdd => "add", _ => "delete" }],
            Environment(gateway, key));
        return new ClientOutcome(run.ExitCode == 0, run.ToString());
    }
}

/// <summary>prometheus-net's MetricPusher, in this process (clients/dotnet/PrometheusNetPush.cs).</summary>
public sealed class PrometheusNetClient : PushClient
{
    public override string Name => "prometheus-net";

    public override bool CanDelete => false;

    public override async Task<ClientOutcome> RunAsync(PushOp op, Uri gateway, string? key)
    {
        if (op == PushOp.Delete)
        {
            throw new NotSupportedException("MetricPusher has no delete.");
        }
        try
        {
            await PrometheusNetPush.PushAsync(Url(gateway), key, replace: op == PushOp.Push);
            return new ClientOutcome(true, $"prometheus-net {op}: ok");
        }
        catch (InvalidOperationException e)
        {
            return new ClientOutcome(false, $"prometheus-net {op}: {e.InnerException?.Message ?? e.Message}");
        }
    }
}
