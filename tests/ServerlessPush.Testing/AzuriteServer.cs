namespace ServerlessPush.Testing;

/// <summary>
/// Azurite's table service, in memory, on 127.0.0.1 and a free port.
/// <c>await using var azurite = await AzuriteServer.StartAsync();</c>
/// </summary>
/// <remarks>
/// Started as <c>node_modules/.bin/azurite-table --inMemoryPersistence --skipApiVersionCheck --loose
/// --disableProductStyleUrl</c> (see <see cref="RepoPaths"/> for where it is looked up).
/// <see cref="StopAsync"/> and <see cref="RestartAsync"/> simulate storage going away and coming back on
/// the same endpoint; data is in memory, so it is gone after a restart. <see cref="Suspend"/> and
/// <see cref="Resume"/> simulate storage that hangs (SIGSTOP/SIGCONT by process id) and keeps its data.
/// </remarks>
public sealed class AzuriteServer : IDisposable, IAsyncDisposable
{
    /// <summary>Azurite's well-known development account (public, documented by Microsoft).</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development key (public, documented by Microsoft).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _executable;
    private readonly TimeSpan _startTimeout;
    private readonly Action<string>? _onOutput;
    private ManagedProcess? _process;
    private string _lastOutput = "";

    private AzuriteServer(string executable, int port, TimeSpan startTimeout, Action<string>? onOutput)
    {
        _executable = executable;
        Port = port;
        _startTimeout = startTimeout;
        _onOutput = onOutput;
    }

    public int Port { get; }

    /// <summary>http://127.0.0.1:PORT/devstoreaccount1</summary>
    public Uri TableEndpoint => new($"http://127.0.0.1:{Port}/{AccountName}");

    /// <summary>Connection string for Azure.Data.Tables (shared key, the dev account).</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};TableEndpoint={TableEndpoint};";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Process id of the running azurite-table, or null when stopped.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>Recent Azurite output (of the current run, or of the last one if stopped).</summary>
    public string Output => _process?.Output ?? _lastOutput;

    /// <summary>Starts Azurite on a free port (or <paramref name="port"/>) and waits until it accepts connections.</summary>
    /// <exception cref="ToolNotFoundException">azurite-table is not installed (run npm ci).</exception>
    public static async Task<AzuriteServer> StartAsync(int? port = null, TimeSpan? startTimeout = null,
        Action<string>? onOutput = null, CancellationToken cancellationToken = default)
    {
        var server = new AzuriteServer(RepoPaths.NodeTool("azurite-table"), port ?? FreePort.Get(),
            startTimeout ?? DefaultStartTimeout, onOutput);
        await server.StartProcessAsync(cancellationToken).ConfigureAwait(false);
        return server;
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        var process = ManagedProcess.Start(new ManagedProcessOptions
        {
            Name = $"azurite-table:{Port}",
            FileName = _executable,
            Arguments =
            [
                "--inMemoryPersistence",
                "--tableHost", "127.0.0.1",
                "--tablePort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--skipApiVersionCheck",
                "--loose",
                "--disableProductStyleUrl",
                "--disableTelemetry",
            ],
            // In-memory mode writes nothing, but keep any stray file out of the repo.
            WorkingDirectory = Path.GetTempPath(),
            OnOutput = _onOutput,
        });
        try
        {
            await process.WaitForTcpPortAsync(Port, _startTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        _process = process;
    }

    /// <summary>Kills Azurite (by pid). Requests to <see cref="TableEndpoint"/> fail until <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync()
    {
        Resume();
        var process = _process;
        _process = null;
        if (process is not null)
        {
            await process.DisposeAsync().ConfigureAwait(false);
            _lastOutput = process.Output;
        }
    }

    /// <summary>
    /// Freezes Azurite (SIGSTOP to its process id): connections are still accepted by the kernel but
    /// nothing answers, as with a hung storage service. Data is kept; <see cref="Resume"/> continues it.
    /// </summary>
    public void Suspend()
    {
        var process = _process ?? throw new InvalidOperationException("Azurite is not running.");
        ProcessSignals.Stop(process.Id);
        Suspended = true;
    }

    /// <summary>SIGCONT to a suspended Azurite: it serves again, starting with the requests that queued up.</summary>
    public void Resume()
    {
        if (_process is { } process && Suspended)
        {
            ProcessSignals.Continue(process.Id);
        }
        Suspended = false;
    }

    /// <summary>Between <see cref="Suspend"/> and <see cref="Resume"/>.</summary>
    public bool Suspended { get; private set; }

    /// <summary>Stops Azurite if running, then starts it again on the same port. Stored data is lost.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync().ConfigureAwait(false);
        await StartProcessAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        Resume();
        var process = _process;
        _process = null;
        process?.Dispose();
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    public override string ToString() => $"Azurite table service at {TableEndpoint}";
}
