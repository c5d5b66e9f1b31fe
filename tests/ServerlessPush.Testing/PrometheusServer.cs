using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ServerlessPush.Testing;

/// <summary>How <see cref="PrometheusServer"/> scrapes its one target.</summary>
public sealed record PrometheusOptions
{
    public string JobName { get; init; } = "pushgateway";
    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(1);
    public bool HonorLabels { get; init; } = true;

    /// <summary>Basic auth for the scrape, if both are set.</summary>
    public string? BasicAuthUsername { get; init; }
    public string? BasicAuthPassword { get; init; }

    /// <summary>Appended to the command line.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public Action<string>? OnOutput { get; init; }
}

/// <summary>One sample of an instant query result.</summary>
public sealed record PrometheusSample(IReadOnlyDictionary<string, string> Labels, DateTimeOffset Timestamp, double Value)
{
    public string? this[string label] => Labels.TryGetValue(label, out var v) ? v : null;
    public override string ToString() =>
        "{" + string.Join(",", Labels.Select(l => $"{l.Key}=\"{l.Value}\"")) + "} " + Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// A real Prometheus (Debian package prometheus) that scrapes one target every second with honor_labels,
/// storing its TSDB in a temp folder removed on dispose. 127.0.0.1 and a free port.
/// <c>await using var prom = await PrometheusServer.StartAsync(new Uri(gateway, "metrics"));</c>
/// </summary>
/// <remarks>Binary: <c>$PROMETHEUS_BIN</c> if set, else <c>prometheus</c> on PATH; missing → <see cref="ToolNotFoundException"/>.</remarks>
public sealed class PrometheusServer : IDisposable, IAsyncDisposable
{
    public const string BinaryEnvironmentVariable = "PROMETHEUS_BIN";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly ManagedProcess _process;
    private readonly DirectoryInfo _tempDir;
    private int _disposed;

    private PrometheusServer(ManagedProcess process, DirectoryInfo tempDir, int port, Uri target, PrometheusOptions options)
    {
        _process = process;
        _tempDir = tempDir;
        Port = port;
        ScrapeTarget = target;
        Options = options;
    }

    public int Port { get; }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>The full URL scraped (scheme, host:port and metrics path).</summary>
    public Uri ScrapeTarget { get; }
    public PrometheusOptions Options { get; }
    public string ConfigFile => Path.Combine(_tempDir.FullName, "prometheus.yml");
    public int ProcessId => _process.Id;
    public string Output => _process.Output;

    public static string FindExecutable() => RepoPaths.Executable(BinaryEnvironmentVariable,
        "Install it with 'apt-get install prometheus' (.ci/run does).", "prometheus");

    /// <param name="scrapeTarget">The metrics URL, e.g. http://127.0.0.1:1234/metrics (a bare "/" path means /metrics).</param>
    public static async Task<PrometheusServer> StartAsync(Uri scrapeTarget, PrometheusOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new PrometheusOptions();
        var executable = FindExecutable();
        var port = FreePort.Get();
        var tempDir = Directory.CreateTempSubdirectory("serverlesspush-prometheus-");
        ManagedProcess? process = null;
        try
        {
            var configFile = Path.Combine(tempDir.FullName, "prometheus.yml");
            await File.WriteAllTextAsync(configFile, BuildConfig(scrapeTarget, options), cancellationToken).ConfigureAwait(false);
            var dataDir = Directory.CreateDirectory(Path.Combine(tempDir.FullName, "data"));
            process = ManagedProcess.Start(new ManagedProcessOptions
            {
                Name = $"prometheus:{port}",
                FileName = executable,
                Arguments =
                [
                    $"--config.file={configFile}",
                    $"--storage.tsdb.path={dataDir.FullName}",
                    $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                    "--storage.tsdb.retention.time=1d",
                    .. options.ExtraArguments,
                ],
                WorkingDirectory = tempDir.FullName,
                OnOutput = options.OnOutput,
            });
            var server = new PrometheusServer(process, tempDir, port, scrapeTarget, options);
            await process.WaitForHttpAsync(new Uri(server.BaseAddress, "-/ready"), options.StartTimeout,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            if (process is not null)
            {
                await process.DisposeAsync().ConfigureAwait(false);
            }
            TryDelete(tempDir);
            throw;
        }
    }

    /// <summary>The prometheus.yml used for <paramref name="scrapeTarget"/>.</summary>
    public static string BuildConfig(Uri scrapeTarget, PrometheusOptions options)
    {
        var interval = $"{(long)options.ScrapeInterval.TotalMilliseconds}ms";
        var path = scrapeTarget.AbsolutePath is "" or "/" ? "/metrics" : scrapeTarget.AbsolutePath;
        var sb = new StringBuilder();
        sb.AppendLine("global:");
        sb.AppendLine($"  scrape_interval: {interval}");
        sb.AppendLine($"  scrape_timeout: {interval}");
        sb.AppendLine($"  evaluation_interval: {interval}");
        sb.AppendLine("scrape_configs:");
        sb.AppendLine($"  - job_name: {Quote(options.JobName)}");
        sb.AppendLine($"    honor_labels: {(options.HonorLabels ? "true" : "false")}");
        sb.AppendLine($"    scheme: {scrapeTarget.Scheme}");
        sb.AppendLine($"    metrics_path: {Quote(path)}");
        if (options.BasicAuthUsername is not null && options.BasicAuthPassword is not null)
        {
            sb.AppendLine("    basic_auth:");
            sb.AppendLine($"      username: {Quote(options.BasicAuthUsername)}");
            sb.AppendLine($"      password: {Quote(options.BasicAuthPassword)}");
        }
        sb.AppendLine("    static_configs:");
        sb.AppendLine($"      - targets: [{Quote(scrapeTarget.Authority)}]");
        return sb.ToString();
    }

    private static string Quote(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>GET /api/v1/query; returns the raw JSON "data" element (resultType + result).</summary>
    /// <exception cref="InvalidOperationException">Prometheus answered with an error.</exception>
    public async Task<JsonElement> QueryRawAsync(string promql, DateTimeOffset? time = null, CancellationToken cancellationToken = default)
    {
        var url = $"{BaseAddress}api/v1/query?query={Uri.EscapeDataString(promql)}";
        if (time is { } t)
        {
            url += "&time=" + (t.ToUnixTimeMilliseconds() / 1000.0).ToString(CultureInfo.InvariantCulture);
        }
        using var response = await Http.GetAsync(new Uri(url), cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(body);
        if (!doc.RootElement.TryGetProperty("status", out var status) || status.GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus query '{promql}' failed ({(int)response.StatusCode}): {body}");
        }
        return doc.RootElement.GetProperty("data").Clone();
    }

    /// <summary>Instant query; vector results as samples, a scalar as one sample with no labels.</summary>
    public async Task<IReadOnlyList<PrometheusSample>> QueryAsync(string promql, DateTimeOffset? time = null, CancellationToken cancellationToken = default)
    {
        var data = await QueryRawAsync(promql, time, cancellationToken).ConfigureAwait(false);
        var type = data.GetProperty("resultType").GetString();
        var result = data.GetProperty("result");
        switch (type)
        {
            case "vector":
                return [.. result.EnumerateArray().Select(e => ToSample(
                    e.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""),
                    e.GetProperty("value")))];
            case "scalar":
                return [ToSample(new Dictionary<string, string>(), result)];
            default:
                throw new NotSupportedException($"QueryAsync handles vector and scalar results, not '{type}'; use QueryRawAsync.");
        }
    }

    private static PrometheusSample ToSample(Dictionary<string, string> labels, JsonElement pair)
    {
        var ts = pair[0].GetDouble();
        var raw = pair[1].GetString() ?? "NaN";
        var value = raw switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new PrometheusSample(labels, DateTimeOffset.FromUnixTimeMilliseconds((long)(ts * 1000)), value);
    }

    /// <summary>Polls <paramref name="promql"/> until <paramref name="until"/> holds; returns that result.</summary>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/>; the message holds the last result.</exception>
    public async Task<IReadOnlyList<PrometheusSample>> WaitForQueryAsync(string promql,
        Func<IReadOnlyList<PrometheusSample>, bool> until, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        IReadOnlyList<PrometheusSample> last = [];
        while (true)
        {
            last = await QueryAsync(promql, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (until(last))
            {
                return last;
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(
                    $"Prometheus query '{promql}' did not reach the expected result in {timeout.TotalSeconds}s. Last result: [{string.Join("; ", last)}]\n--- output ---\n{Output}");
            }
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the scrape target is up (<c>up{job="…"} == 1</c>).</summary>
    public Task WaitForTargetUpAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        => WaitForQueryAsync($"up{{job=\"{Options.JobName}\"}}", r => r.Count > 0 && r.All(s => s.Value == 1), timeout, cancellationToken);

    public Task StopAsync() => _process.StopAsync();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _process.Dispose();
        TryDelete(_tempDir);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _process.DisposeAsync().ConfigureAwait(false);
        TryDelete(_tempDir);
    }

    private static void TryDelete(DirectoryInfo dir)
    {
        try
        {
            dir.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public override string ToString() => $"prometheus at {BaseAddress} scraping {ScrapeTarget}";
}
