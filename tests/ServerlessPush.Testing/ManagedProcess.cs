using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ServerlessPush.Testing;

/// <summary>How to start a <see cref="ManagedProcess"/>.</summary>
public sealed record ManagedProcessOptions
{
    public required string FileName { get; init; }
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Added to (or, with a null value, removed from) the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public string? WorkingDirectory { get; init; }

    /// <summary>Short name used in diagnostics; defaults to the file name.</summary>
    public string? Name { get; init; }

    /// <summary>How many of the latest stdout/stderr lines to keep.</summary>
    public int OutputLines { get; init; } = 2000;

    /// <summary>Called for every output line (from a thread-pool thread). Exceptions it throws are ignored.</summary>
    public Action<string>? OnOutput { get; init; }
}

/// <summary>
/// A child process started for a test: output kept in an in-memory ring, readiness waits,
/// and on dispose the whole process tree is killed by process id.
/// </summary>
public sealed class ManagedProcess : IDisposable, IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, ManagedProcess> Live = new();
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    static ManagedProcess()
    {
        // Last resort if the test host exits without disposing its fixtures.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var p in Live.Values)
            {
                p.Kill();
            }
        };
    }

    private readonly Process _process;
    private readonly ManagedProcessOptions _options;
    private readonly Queue<string> _ring = new();
    private readonly Lock _ringGate = new();
    private int _disposed;

    private ManagedProcess(Process process, ManagedProcessOptions options)
    {
        _process = process;
        _options = options;
        Name = options.Name ?? Path.GetFileName(options.FileName);
    }

    public string Name { get; }
    public int Id { get; private set; }
    public bool HasExited => _process.HasExited;
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>The latest output lines, stdout and stderr interleaved (stderr lines prefixed "err: ").</summary>
    public string Output
    {
        get
        {
            lock (_ringGate)
            {
                return string.Join('\n', _ring);
            }
        }
    }

    public static ManagedProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
        => Start(new ManagedProcessOptions
        {
            FileName = fileName,
            Arguments = [.. arguments],
            Environment = environment ?? new Dictionary<string, string?>(),
        });

    public static ManagedProcess Start(ManagedProcessOptions options)
    {
        var psi = new ProcessStartInfo(options.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (options.WorkingDirectory is not null)
        {
            psi.WorkingDirectory = options.WorkingDirectory;
        }
        foreach (var arg in options.Arguments)
        {
            psi.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in options.Environment)
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var managed = new ManagedProcess(process, options);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                managed.Append(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                managed.Append("err: " + e.Data);
            }
        };

        try
        {
            process.Start();
        }
        catch (Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start {options.FileName} {string.Join(' ', options.Arguments)}: {ex.Message}", ex);
        }
        managed.Id = process.Id;
        Live[managed.Id] = managed;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return managed;
    }

    private void Append(string line)
    {
        lock (_ringGate)
        {
            _ring.Enqueue(line);
            while (_ring.Count > _options.OutputLines)
            {
                _ring.Dequeue();
            }
        }
        try
        {
            _options.OnOutput?.Invoke(line);
        }
        catch
        {
            // diagnostics only
        }
    }

    /// <summary>Waits until 127.0.0.1:<paramref name="port"/> accepts a TCP connection.</summary>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/>; the message holds the process output.</exception>
    /// <exception cref="InvalidOperationException">The process exited first.</exception>
    public Task WaitForTcpPortAsync(int port, TimeSpan timeout, CancellationToken cancellationToken = default)
        => WaitUntilAsync($"127.0.0.1:{port} to accept TCP connections", timeout, async ct =>
        {
            using var client = new TcpClient(AddressFamily.InterNetwork);
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port, ct).ConfigureAwait(false);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, cancellationToken);

    /// <summary>
    /// Waits until <paramref name="url"/> answers an HTTP GET with a status <paramref name="accept"/> likes
    /// (default: any 2xx).
    /// </summary>
    public Task WaitForHttpAsync(Uri url, TimeSpan timeout, Func<HttpStatusCode, bool>? accept = null, CancellationToken cancellationToken = default)
    {
        accept ??= s => (int)s is >= 200 and < 300;
        return WaitUntilAsync($"GET {url} to answer", timeout, async ct =>
        {
            try
            {
                using var response = await Probe.GetAsync(url, ct).ConfigureAwait(false);
                return accept(response.StatusCode);
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                return false; // per-request timeout
            }
        }, cancellationToken);
    }

    private async Task WaitUntilAsync(string what, TimeSpan timeout, Func<CancellationToken, Task<bool>> probe, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            if (_process.HasExited)
            {
                // Exit can be seen before the last output lines are read: drain them first.
                _process.WaitForExit();
                throw new InvalidOperationException(
                    $"{Name} (pid {Id}) exited with code {_process.ExitCode} while waiting for {what}.\n--- output ---\n{Output}");
            }
            try
            {
                if (await probe(cts.Token).ConfigureAwait(false))
                {
                    return;
                }
                await Task.Delay(100, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"{Name} (pid {Id}): gave up after {clock.Elapsed.TotalSeconds:0.0}s waiting for {what}.\n--- output ---\n{Output}");
            }
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the process to exit by itself (its output is drained
    /// first); true if it did. Nothing is killed: for a graceful stop, ask it to exit, wait, then <see cref="StopAsync"/>.
    /// </summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Kills the process tree (by pid) and waits for it to exit.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        Kill();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} (pid {Id}) did not exit after being killed.");
        }
        Live.TryRemove(Id, out _);
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // exiting right now
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        Kill();
        _process.WaitForExit(10_000);
        Live.TryRemove(Id, out _);
        _process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // best effort
        }
        Live.TryRemove(Id, out _);
        _process.Dispose();
    }

    public override string ToString() => $"{Name} (pid {Id})";
}
