using System.IO.Compression;
using System.Text;
using Google.Protobuf;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Gateway.Tests.Differential;

/// <summary>One HTTP request of a case, sent byte for byte the same to both servers.</summary>
public sealed record DiffRequest(string Method, string Path, byte[]? Body = null, IReadOnlyList<(string Name, string Value)>? Headers = null)
{
    /// <summary>
    /// Send <see cref="Path"/> exactly as written: .NET's Uri would otherwise resolve <c>%2e%2e</c>
    /// and turn backslashes into slashes before either server sees them.
    /// </summary>
    public bool PathAsIs { get; init; }

    public const string ProtobufContentType = ProtobufDelimited.ContentType;

    public static DiffRequest Put(string path, string body) => new("PUT", path, Encoding.UTF8.GetBytes(body));
    public static DiffRequest Post(string path, string body) => new("POST", path, Encoding.UTF8.GetBytes(body));
    public static DiffRequest Put(string path, byte[] body) => new("PUT", path, body);
    public static DiffRequest Post(string path, byte[] body) => new("POST", path, body);
    public static DiffRequest Delete(string path) => new("DELETE", path);
    public static DiffRequest Get(string path) => new("GET", path);

    public static DiffRequest PutProtobuf(string path, params MetricFamily[] families) =>
        Put(path, ProtobufDelimited.WriteToArray(families)).With("Content-Type", ProtobufContentType);

    public DiffRequest AsIs() => this with { PathAsIs = true };

    public DiffRequest With(string name, string value) => this with { Headers = [.. Headers ?? [], (name, value)] };

    public DiffRequest Gzipped() => (this with { Body = Gzip(Body ?? []) }).With("Content-Encoding", "gzip");

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }

    /// <param name="baseAddress">The server's address; needed for <see cref="PathAsIs"/>.</param>
    public HttpRequestMessage ToMessage(Uri? baseAddress = null)
    {
        var message = PathAsIs && baseAddress is not null
            ? new HttpRequestMessage(new HttpMethod(Method), new Uri(baseAddress.GetLeftPart(UriPartial.Authority) + Path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }))
            : new HttpRequestMessage(new HttpMethod(Method), Path);
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
        }
        foreach (var (name, value) in Headers ?? [])
        {
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                message.Content ??= new ByteArrayContent([]);
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }
        return message;
    }

    public override string ToString()
    {
        var body = Body is null ? "" : " body=" + (Body.All(b => b is >= 0x20 and < 0x7F or (byte)'\n' or (byte)'\t')
            ? "\"" + Encoding.UTF8.GetString(Body).Replace("\n", "\\n") + "\""
            : Convert.ToHexString(Body));
        var headers = string.Concat((Headers ?? []).Select(h => $" [{h.Name}: {h.Value}]"));
        return $"{Method} {Path}{(PathAsIs ? " (as is)" : "")}{headers}{body}";
    }
}

/// <summary>Small builders for protobuf families.</summary>
public static class Pb
{
    public static MetricFamily Family(string name, MetricType type, string? help, params Metric[] metrics)
    {
        var family = new MetricFamily { Name = name, Type = type };
        if (help is not null)
        {
            family.Help = help;
        }
        family.Metric.AddRange(metrics);
        return family;
    }

    public static Metric Counter(double value, params (string Name, string Value)[] labels) =>
        WithLabels(new Metric { Counter = new Counter { Value = value } }, labels);

    public static Metric Gauge(double value, params (string Name, string Value)[] labels) =>
        WithLabels(new Metric { Gauge = new Gauge { Value = value } }, labels);

    public static Metric Untyped(double value, params (string Name, string Value)[] labels) =>
        WithLabels(new Metric { Untyped = new Untyped { Value = value } }, labels);

    public static Metric Summary(ulong count, double sum, (double Q, double V)[] quantiles, params (string Name, string Value)[] labels)
    {
        var summary = new Summary { SampleCount = count, SampleSum = sum };
        summary.Quantile.AddRange(quantiles.Select(q => new Quantile { Quantile_ = q.Q, Value = q.V }));
        return WithLabels(new Metric { Summary = summary }, labels);
    }

    public static Metric Histogram(ulong count, double sum, (double Le, ulong Count)[] buckets, params (string Name, string Value)[] labels)
    {
        var histogram = new Histogram { SampleCount = count, SampleSum = sum };
        histogram.Bucket.AddRange(buckets.Select(b => new Bucket { UpperBound = b.Le, CumulativeCount = b.Count }));
        return WithLabels(new Metric { Histogram = histogram }, labels);
    }

    public static Metric WithLabels(Metric metric, (string Name, string Value)[] labels)
    {
        metric.Label.AddRange(labels.Select(l => new LabelPair { Name = l.Name, Value = l.Value }));
        return metric;
    }

    public static byte[] Delimited(params MetricFamily[] families) => ProtobufDelimited.WriteToArray(families);

    /// <summary>One family written with protobuf's own delimited writer (cross-check of WriteToArray).</summary>
    public static byte[] Raw(MetricFamily family)
    {
        using var stream = new MemoryStream();
        family.WriteDelimitedTo(stream);
        return stream.ToArray();
    }
}
