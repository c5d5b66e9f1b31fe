using System.Globalization;
using System.Runtime.InteropServices;
using ServerlessPush.Testing;

namespace ServerlessPush.Benchmarks;

/// <summary>The gateway's local host as a separate process (Release build), so latency is not shared with the driver.</summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly ManagedProcess _process;

    private GatewayProcess(ManagedProcess process, int port)
    {
        _process = process;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri BaseAddress { get; }
    public int ProcessId => _process.Id;

    public static string HostDll => Path.Combine(AppContext.BaseDirectory, "ServerlessPush.LocalHost.dll");

    public static async Task<GatewayProcess> StartAsync(AzuriteServer azurite, string tableName)
    {
        var port = FreePort.Get();
        var process = ManagedProcess.Start(new ManagedProcessOptions
        {
            Name = $"gateway:{port}",
            FileName = "dotnet",
            Arguments = [HostDll, "--urls", $"http://127.0.0.1:{port}"],
            Environment = new Dictionary<string, string?>
            {
                ["Gateway__Tables__ConnectionString"] = azurite.ConnectionString,
                ["Gateway__Tables__TableName"] = tableName,
                ["Gateway__Tables__CreateTableIfMissing"] = "true",
                ["Gateway__Access__AllowAnonymous"] = "true",
                // No sweep during the measurements (no group here has a TTL anyway).
                ["Gateway__Expiry__Schedule"] = "0 0 0 1 1 *",
                ["Logging__LogLevel__Default"] = "Warning",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["DOTNET_ENVIRONMENT"] = "Production",
            },
            WorkingDirectory = AppContext.BaseDirectory,
        });
        var gateway = new GatewayProcess(process, port);
        try
        {
            await process.WaitForHttpAsync(new Uri(gateway.BaseAddress, "-/healthy"), TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return gateway;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

/// <summary>
/// The reference Pushgateway. Filling it over HTTP with its consistency check on costs O(stored
/// series) per push (about 19 minutes to reach 10,000 groups here), so a filler instance with
/// <c>--push.disable-consistency-check</c> writes the groups and persists them to a file on SIGTERM;
/// the measured instance (consistency check on, as shipped) loads that file at start. Its
/// persistence interval is 1000 h, so it never writes the file while measured: for every measured
/// request it behaves as with persistence off.
/// </summary>
public sealed class ReferenceProcess : IAsyncDisposable
{
    private readonly ManagedProcess _process;

    private ReferenceProcess(ManagedProcess process, int port)
    {
        _process = process;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri BaseAddress { get; }
    public int ProcessId => _process.Id;

    public static async Task<ReferenceProcess> StartAsync(string persistenceFile, bool consistencyCheck)
    {
        var port = FreePort.Get();
        List<string> args =
        [
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            $"--persistence.file={persistenceFile}",
            "--persistence.interval=1000h",
            "--web.enable-admin-api",
        ];
        if (!consistencyCheck)
        {
            args.Add("--push.disable-consistency-check");
        }
        var process = ManagedProcess.Start(new ManagedProcessOptions
        {
            Name = $"pushgateway:{port}",
            FileName = ReferencePushgateway.FindExecutable(),
            Arguments = args,
            WorkingDirectory = Path.GetTempPath(),
        });
        var reference = new ReferenceProcess(process, port);
        try
        {
            await process.WaitForHttpAsync(new Uri(reference.BaseAddress, "-/ready"), TimeSpan.FromSeconds(120)).ConfigureAwait(false);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return reference;
    }

    /// <summary>SIGTERM: the Pushgateway persists its groups to the file, then exits.</summary>
    public async Task TerminateGracefullyAsync()
    {
        _ = Native.kill(_process.Id, 15);
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!_process.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }
        await _process.DisposeAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

internal static partial class Native
{
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int kill(int pid, int sig);
}

/// <summary>Peak resident memory of a process, from /proc.</summary>
public static class ProcessMemory
{
    /// <summary>Resets the peak (VmHWM) to the current RSS: writes 5 to /proc/&lt;pid&gt;/clear_refs.</summary>
    public static bool ResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>(VmRSS, VmHWM) in bytes.</summary>
    public static (long Rss, long Peak) Read(int pid)
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = ParseKb(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = ParseKb(line);
            }
        }
        return (rss, peak);
    }

    private static long ParseKb(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
