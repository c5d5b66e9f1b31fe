using System.Globalization;

namespace ServerlessPush.Testing;

/// <summary>
/// The gateway's local host as a child process (<c>dotnet ServerlessPush.LocalHost.dll</c> from the
/// test's output folder), over a table of its own in the given Azurite: its memory is its own, so a
/// test can read the process's peak resident memory (<c>VmHWM</c>) around one request, and a benchmark
/// measures latency not shared with its driver.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly ManagedProcess _process;

    private GatewayProcess(ManagedProcess process, int port)
    {
        _process = process;
        BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public string Output => _process.Output;

    public bool HasExited => _process.HasExited;

    /// <param name="settings">Configuration as environment variables (<c>Gateway__…</c>), added to the defaults.</param>
    public static async Task<GatewayProcess> StartAsync(AzuriteServer azurite, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var port = FreePort.Get();
        var environment = new Dictionary<string, string?>
        {
            ["Gateway__Tables__ConnectionString"] = azurite.ConnectionString,
            ["Gateway__Tables__TableName"] = "p" + Guid.NewGuid().ToString("N")[..20],
            ["Gateway__Tables__CreateTableIfMissing"] = "true",
            ["Gateway__Access__AllowAnonymous"] = "true",
            ["Gateway__Expiry__Schedule"] = "0 0 0 1 1 *",
            ["Logging__LogLevel__Default"] = "Warning",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }
        var process = ManagedProcess.Start(new ManagedProcessOptions
        {
            Name = $"gateway:{port.ToString(CultureInfo.InvariantCulture)}",
            FileName = "dotnet",
            Arguments = [Path.Combine(AppContext.BaseDirectory, "ServerlessPush.LocalHost.dll"), "--urls", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"],
            Environment = environment,
            WorkingDirectory = AppContext.BaseDirectory,
        });
        var gateway = new GatewayProcess(process, port);
        try
        {
            await process.WaitForHttpAsync(new Uri(gateway.BaseAddress, "-/ready"), TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return gateway;
    }

    /// <summary>Resets the peak (VmHWM) to the current resident size.</summary>
    public void ResetPeakMemory() => ProcessMemory.ResetPeak(ProcessId);

    /// <summary>Resident (VmRSS) and peak resident (VmHWM) bytes.</summary>
    public (long Resident, long Peak) Memory() => ProcessMemory.Read(ProcessId);

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
