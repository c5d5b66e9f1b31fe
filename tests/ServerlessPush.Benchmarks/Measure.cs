using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace ServerlessPush.Benchmarks;

/// <summary>Latencies of one measured run.</summary>
public sealed class LatencyRun
{
    public List<double> All { get; } = [];
    public List<double> Warm { get; } = [];
    public List<double> Cold { get; } = [];
    public int Errors { get; set; }
    public string? FirstError { get; set; }
    public TimeSpan Elapsed { get; set; }
    public double PerSecond => All.Count / Elapsed.TotalSeconds;

    public static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }

    public double P50 => Percentile(All, 50);
    public double P99 => Percentile(All, 99);
}

/// <summary>HTTP calls of the load driver.</summary>
public static class Http
{
    public static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 256,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        AllowAutoRedirect = false,
    })
    {
        Timeout = TimeSpan.FromMinutes(10),
    };

    private static readonly MediaTypeHeaderValue TextType = MediaTypeHeaderValue.Parse("text/plain; version=0.0.4; charset=utf-8");

    /// <summary>Sends a push; returns the status code and the elapsed milliseconds.</summary>
    public static async Task<(int Status, double Ms, string? Error)> PushAsync(Uri baseAddress, HttpMethod method, string path, byte[] body, string? ttl = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(baseAddress, path.TrimStart('/')));
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = TextType;
        request.Content = content;
        if (ttl is not null)
        {
            request.Headers.Add("X-ServerlessPush-TTL", ttl);
        }
        var started = Stopwatch.GetTimestamp();
        using var response = await Client.SendAsync(request).ConfigureAwait(false);
        var text = (int)response.StatusCode >= 300 ? await response.Content.ReadAsStringAsync().ConfigureAwait(false) : null;
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return ((int)response.StatusCode, ms, text);
    }

    public static async Task<(int Status, double Ms)> DeleteAsync(Uri baseAddress, string path)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await Client.DeleteAsync(new Uri(baseAddress, path.TrimStart('/'))).ConfigureAwait(false);
        return ((int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>GET /metrics, the whole body read; (seconds to the last byte, bytes, series lines).</summary>
    public static async Task<(double Seconds, long Bytes, long Lines)> ScrapeAsync(Uri baseAddress)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await Client.GetAsync(new Uri(baseAddress, "metrics"), HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        var buffer = new byte[64 * 1024];
        long bytes = 0, lines = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            bytes += read;
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }
        return (Stopwatch.GetElapsedTime(started).TotalSeconds, bytes, lines);
    }
}

/// <summary>A Markdown table built row by row.</summary>
public sealed class MarkdownTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params object?[] cells) => _rows.Add(cells.Select(Format).ToArray());

    private static string Format(object? value) => value switch
    {
        null => "–",
        double d when double.IsNaN(d) => "–",
        double d => d.ToString(d >= 100 ? "0" : d >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("| ").AppendJoin(" | ", headers).Append(" |\n");
        sb.Append('|').AppendJoin('|', headers.Select(h => " --- ")).Append("|\n");
        foreach (var row in _rows)
        {
            sb.Append("| ").AppendJoin(" | ", row).Append(" |\n");
        }
        return sb.ToString();
    }
}

public static class Units
{
    public static double MiB(long bytes) => bytes / 1024.0 / 1024.0;
}
