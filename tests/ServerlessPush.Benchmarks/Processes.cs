using System.Globalization;
using System.Runtime.InteropServices;
using ServerlessPush.Testing;

namespace ServerlessPush.Benchmarks;

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
