using System.Net;
using System.Net.Http.Headers;
using ServerlessPush.FunctionsHost;
using ServerlessPush.Testing;

namespace ServerlessPush.Clients.Tests.Infrastructure;

/// <summary>The gateways the client tests run against.</summary>
public static class Targets
{
    /// <summary>The Pushgateway 1.5.1 itself: the clients must work with it as they do with ours (it has no keys).</summary>
    public const string Reference = "reference";

    public const string LocalHost = "localhost";

    /// <summary>The published Functions app under the Functions test host.</summary>
    public const string Functions = "functions";

    public static readonly string[] All = [Reference, LocalHost, Functions];

    /// <summary>The targets with access control (push, read and admin keys).</summary>
    public static readonly string[] WithKeys = [LocalHost, Functions];

    public static TheoryData<string> AllNames => [.. All];

    public static TheoryData<string, string> AllWithClients => Cross(All);

    public static TheoryData<string, string> WithKeysWithClients => Cross(WithKeys);

    private static TheoryData<string, string> Cross(string[] targets)
    {
        var data = new TheoryData<string, string>();
        foreach (var target in targets)
        {
            foreach (var client in PushClient.All.Keys)
            {
                data.Add(target, client);
            }
        }
        return data;
    }
}

/// <summary>
/// A gateway for one test, empty when handed out: its own local host, or a wiped shared one (the
/// reference and the Functions app are started once per settings for the whole run, since a
/// process start costs seconds). Dispose it at the end of the test.
/// </summary>
public sealed class GatewayLease : IAsyncDisposable
{
    private readonly Func<ValueTask> _release;

    internal GatewayLease(string target, Uri baseAddress, RequestRecorder? recorder, Func<ValueTask> release)
    {
        Target = target;
        BaseAddress = baseAddress;
        Recorder = recorder;
        _release = release;
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = baseAddress };
    }

    public string Target { get; }

    public Uri BaseAddress { get; }

    /// <summary>This test's own client (its default headers are its own).</summary>
    public HttpClient Client { get; }

    /// <summary>What the clients sent; null for the reference, which nothing here can watch.</summary>
    public RequestRecorder? Recorder { get; }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _release();
    }

    public override string ToString() => $"{Target} at {BaseAddress}";
}

/// <summary>Starts (or hands out a wiped shared) gateway of each target; lives as long as the test collection.</summary>
public sealed class GatewayTargetPool(AzuriteServer azurite) : IAsyncDisposable
{
    /// <summary>The admin key the keyed shared gateways are wiped with.</summary>
    public const string AdminKey = "admin-key-0123456789";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, FunctionsGateway> _functions = [];
    private ReferencePushgateway? _reference;

    public async Task<GatewayLease> LeaseAsync(string target, IReadOnlyDictionary<string, string?> settings)
    {
        var recorder = new RequestRecorder();
        switch (target)
        {
            case Targets.LocalHost:
            {
                var gateway = await GatewayServer.StartAsync(azurite, new Dictionary<string, string?>(settings), recorder.Register);
                return new GatewayLease(target, gateway.BaseAddress, recorder, gateway.DisposeAsync);
            }
            case Targets.Functions:
            {
                var gateway = await SharedFunctionsAsync(settings);
                await WipeAsync(gateway.BaseAddress);
                gateway.Host.OnRequest = context =>
                {
                    recorder.Record(context);
                    return Task.CompletedTask;
                };
                return new GatewayLease(target, gateway.BaseAddress, recorder, () =>
                {
                    gateway.Host.OnRequest = null;
                    return ValueTask.CompletedTask;
                });
            }
            case Targets.Reference:
            {
                var reference = await SharedReferenceAsync();
                await WipeAsync(reference.BaseAddress);
                return new GatewayLease(target, reference.BaseAddress, null, () => ValueTask.CompletedTask);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(target), target, "unknown target");
        }
    }

    private async Task<FunctionsGateway> SharedFunctionsAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var key = string.Join(';', settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}"));
        await _gate.WaitAsync();
        try
        {
            if (!_functions.TryGetValue(key, out var gateway))
            {
                gateway = await FunctionsGateway.StartAsync(azurite, new Dictionary<string, string?>(settings) { ["Gateway:Access:AdminKeys:0"] = AdminKey });
                _functions[key] = gateway;
            }
            return gateway;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ReferencePushgateway> SharedReferenceAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _reference ??= await ReferencePushgateway.StartAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>PUT /api/v1/admin/wipe (with the admin key), then until /api/v1/metrics shows no group (the reference wipes asynchronously).</summary>
    private static async Task WipeAsync(Uri baseAddress)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var wipe = await http.PutAsync("/api/v1/admin/wipe", null);
        if (wipe.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"wipe of {baseAddress}: {(int)wipe.StatusCode} {await wipe.Content.ReadAsStringAsync()}");
        }
        for (var attempt = 0; !(await http.GetStringAsync("/api/v1/metrics")).Contains("\"data\":[]", StringComparison.Ordinal); attempt++)
        {
            if (attempt == 100)
            {
                throw new TimeoutException($"{baseAddress} still has groups after its wipe");
            }
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in _functions.Values)
        {
            await gateway.DisposeAsync();
        }
        if (_reference is not null)
        {
            await _reference.DisposeAsync();
        }
        _gate.Dispose();
    }
}
