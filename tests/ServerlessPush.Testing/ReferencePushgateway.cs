using System.Globalization;

namespace ServerlessPush.Testing;

/// <summary>
/// The upstream Prometheus Pushgateway (Debian package prometheus-pushgateway), for side-by-side
/// comparison tests. No persistence, admin API on, 127.0.0.1 and a free port.
/// <c>await using var reference = await ReferencePushgateway.StartAsync();</c>
/// </summary>
/// <remarks>
/// The binary is <c>$PUSHGATEWAY_BIN</c> if set, else <c>prometheus-pushgateway</c> or <c>pushgateway</c>
/// on PATH. If it is missing, <see cref="StartAsync"/> throws <see cref="ToolNotFoundException"/>:
/// comparison tests fail rather than silently skip.
/// </remarks>
public sealed class ReferencePushgateway : IDisposable, IAsyncDisposable
{
    public const string BinaryEnvironmentVariable = "PUSHGATEWAY_BIN";
    public static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(60);

    private readonly ManagedProcess _process;

    private ReferencePushgateway(ManagedProcess process, int port, string executable)
    {
        _process = process;
        Port = port;
        Executable = executable;
    }

    public int Port { get; }
    public string Executable { get; }

    /// <summary>http://127.0.0.1:PORT/ (trailing slash, so relative URIs like "metrics" resolve under it).</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public int ProcessId => _process.Id;
    public string Output => _process.Output;

    /// <summary>Full path of the pushgateway binary; throws <see cref="ToolNotFoundException"/> if missing.</summary>
    public static string FindExecutable() => RepoPaths.Executable(BinaryEnvironmentVariable,
        "Install it with 'apt-get install prometheus-pushgateway' (.ci/run does).",
        "prometheus-pushgateway", "pushgateway");

    /// <param name="extraArguments">Appended to the command line, e.g. "--push.disable-consistency-check".</param>
    public static async Task<ReferencePushgateway> StartAsync(IEnumerable<string>? extraArguments = null,
        TimeSpan? startTimeout = null, Action<string>? onOutput = null, CancellationToken cancellationToken = default)
    {
        var executable = FindExecutable();
        var port = FreePort.Get();
        var process = ManagedProcess.Start(new ManagedProcessOptions
        {
            Name = $"pushgateway:{port}",
            FileName = executable,
            Arguments =
            [
                $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                "--persistence.file=",
                "--web.enable-admin-api",
                .. extraArguments ?? [],
            ],
            WorkingDirectory = Path.GetTempPath(),
            OnOutput = onOutput,
        });
        var server = new ReferencePushgateway(process, port, executable);
        try
        {
            await process.WaitForHttpAsync(new Uri(server.BaseAddress, "-/ready"), startTimeout ?? DefaultStartTimeout,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return server;
    }

    public Task StopAsync() => _process.StopAsync();
    public void Dispose() => _process.Dispose();
    public ValueTask DisposeAsync() => _process.DisposeAsync();
    public override string ToString() => $"reference pushgateway at {BaseAddress}";
}
