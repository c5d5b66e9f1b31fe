using System.Globalization;

namespace ServerlessPush.Testing;

/// <summary>
/// The gateway's local host as a child process (<c>dotnet ServerlessPush.LocalHost.dll</c> from the
/// test's output folder), over a table of its own in the given Azurite: its memory is its own, so a
/// test can read the process's peak resident memory (<c>VmHWM</c>) around one request.
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

    /// <summary>Resets the peak (VmHWM) to the current resident size (<c>/proc/&lt;pid&gt;/clear_refs</c> = 5).</summary>
    public void ResetPeakMemory() => File.WriteAllText($"/proc/{ProcessId.ToString(CultureInfo.InvariantCulture)}/clear_refs", "5");

    /// <summary>Resident (VmRSS) and peak resident (VmHWM) bytes.</summary>
    public (long Resident, long Peak) Memory()
    {
        long resident = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{ProcessId.ToString(CultureInfo.InvariantCulture)}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                resident = Kilobytes(line) * 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) * 1024;
            }
        }
        return (resident, peak);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
