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
/// With a <c>clockOffset</c>, Azurite runs with its clock shifted (its <c>Timestamp</c>s, ETags and
/// <c>Date</c> headers): node loads a small preload script, written to a temp folder, that shifts
/// <c>Date</c> in that process only. Nothing else on the machine sees the shift.
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
    private readonly string? _clockPreload;
    private ManagedProcess? _process;
    private string _lastOutput = "";

    private AzuriteServer(string executable, int port, TimeSpan startTimeout, Action<string>? onOutput, TimeSpan clockOffset)
    {
        _executable = executable;
        Port = port;
        _startTimeout = startTimeout;
        _onOutput = onOutput;
        ClockOffset = clockOffset;
        _clockPreload = clockOffset == TimeSpan.Zero ? null : WriteClockPreload(clockOffset);
    }

    /// <summary>How far Azurite's clock is from the machine's (positive: ahead).</summary>
    public TimeSpan ClockOffset { get; }

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
    /// <param name="clockOffset">Shifts Azurite's clock by this much (kept across <see cref="RestartAsync"/>).</param>
    /// <exception cref="ToolNotFoundException">azurite-table is not installed (run npm ci).</exception>
    public static async Task<AzuriteServer> StartAsync(int? port = null, TimeSpan? startTimeout = null,
        Action<string>? onOutput = null, TimeSpan clockOffset = default, CancellationToken cancellationToken = default)
    {
        var server = new AzuriteServer(RepoPaths.NodeTool("azurite-table"), port ?? FreePort.Get(),
            startTimeout ?? DefaultStartTimeout, onOutput, clockOffset);
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
            Environment = _clockPreload is null
                ? new Dictionary<string, string?>()
                : new Dictionary<string, string?>
                {
                    // azurite-table is a node script (#!/usr/bin/env node), so node reads NODE_OPTIONS.
                    ["NODE_OPTIONS"] = (System.Environment.GetEnvironmentVariable("NODE_OPTIONS") + $" --require \"{_clockPreload}\"").Trim(),
                },
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

    /// <summary>
    /// A preload for node that replaces <c>Date</c> by one running <paramref name="offset"/> off:
    /// <c>new Date()</c>, <c>Date()</c> and <c>Date.now()</c> are shifted; dates built from a value are not.
    /// </summary>
    private static string WriteClockPreload(TimeSpan offset)
    {
        var folder = Directory.CreateTempSubdirectory("azurite-clock-");
        var path = Path.Combine(folder.FullName, "shift-clock.js");
        var ms = ((long)offset.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        File.WriteAllText(path, $$"""
            'use strict';
            const offsetMs = {{ms}};
            const RealDate = Date;
            function ShiftedDate(...args) {
              if (!new.target) { return new RealDate(RealDate.now() + offsetMs).toString(); }
              return args.length === 0 ? new RealDate(RealDate.now() + offsetMs) : new RealDate(...args);
            }
            ShiftedDate.prototype = RealDate.prototype;
            ShiftedDate.now = () => RealDate.now() + offsetMs;
            ShiftedDate.parse = RealDate.parse;
            ShiftedDate.UTC = RealDate.UTC;
            globalThis.Date = ShiftedDate;

            """);
        return path;
    }

    private void DeleteClockPreload()
    {
        if (_clockPreload is not null && Path.GetDirectoryName(_clockPreload) is { } folder)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }

    public void Dispose()
    {
        Resume();
        var process = _process;
        _process = null;
        process?.Dispose();
        DeleteClockPreload();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        DeleteClockPreload();
    }

    public override string ToString() => $"Azurite table service at {TableEndpoint}";
}
