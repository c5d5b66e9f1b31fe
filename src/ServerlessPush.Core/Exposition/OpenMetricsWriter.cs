using System.Buffers;
using System.Text;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Exposition;

/// <summary>
/// OpenMetrics 1.0.0 text output, following prometheus/common's
/// <c>expfmt.MetricFamilyToOpenMetrics</c> (the encoder client_golang uses when OpenMetrics is
/// negotiated), plus the final <c># EOF</c> line.
/// </summary>
/// <remarks>
/// <para>Only behind <c>Gateway:Scrape:OpenMetrics</c> (the Pushgateway never answers OpenMetrics).
/// As expfmt does:</para>
/// <list type="bullet">
/// <item>A counter is <c># HELP x</c>/<c># TYPE x counter</c> with samples <c>x_total</c>, where
/// <c>x</c> is its name less a <c>_total</c> suffix: a counter pushed as <c>jobs_done</c> is
/// scraped as <c>jobs_done_total</c> (OpenMetrics requires the suffix on counter samples).
/// Untyped is <c>unknown</c>.</item>
/// <item>Floats as <see cref="GoFloat"/> but with <c>.0</c> added when there is neither <c>.</c> nor
/// <c>e</c> (<c>1.0</c>, <c>le="10.0"</c>); counts (<c>_count</c>, buckets) as integers.</item>
/// <item>HELP escapes <c>\</c>, newline and <c>"</c>. Exemplars with labels are written on counter
/// and bucket samples (<c> # {…} value [timestamp]</c>). No <c>_created</c> lines (client_golang's
/// default).</item>
/// </list>
/// <para>Deliberate differences from expfmt, so that the output is always valid OpenMetrics:
/// <c># UNIT</c> is written only when the family has a unit that its name already ends with
/// (expfmt's opt-in would rename the series instead); gauge histograms use <c>_gsum</c>/<c>_gcount</c>
/// (expfmt writes <c>_sum</c>/<c>_count</c>); float histogram counts are written as floats where
/// expfmt fails the scrape.</para>
/// </remarks>
public static class OpenMetricsWriter
{
    public const string ContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// <summary>Writes all families and the closing <c># EOF</c>.</summary>
    public static void Write(IBufferWriter<byte> output, IEnumerable<MetricFamily> families)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(families);
        foreach (var family in families)
        {
            WriteFamily(output, family);
        }
        WriteEof(output);
    }

    /// <summary>Writes one family (no <c># EOF</c>).</summary>
    public static void WriteFamily(IBufferWriter<byte> output, MetricFamily family)
    {
        WriteHeader(output, family);
        foreach (var metric in family.Metric)
        {
            WriteSeries(output, family, metric);
        }
    }

    /// <summary>The closing <c># EOF</c> line.</summary>
    public static void WriteEof(IBufferWriter<byte> output) => Utf8Output.Write(output, "# EOF\n"u8);

    /// <summary>Streams the families and <c># EOF</c> through a pooled buffer.</summary>
    public static async Task WriteAsync(Stream stream, IEnumerable<MetricFamily> families, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(families);
        using var buffer = new PooledBufferWriter();
        foreach (var family in families)
        {
            WriteHeader(buffer, family);
            foreach (var metric in family.Metric)
            {
                WriteSeries(buffer, family, metric);
                if (buffer.WrittenCount >= TextFormatWriter.FlushThreshold)
                {
                    await buffer.FlushToAsync(stream, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        WriteEof(buffer);
        await buffer.FlushToAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The OpenMetrics text for <paramref name="families"/>, <c># EOF</c> included.</summary>
    public static string WriteToString(IEnumerable<MetricFamily> families)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, families);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The family name in <c># TYPE</c>: a counter's name without <c>_total</c>, any other name as it is.</summary>
    private static string CounterFamilyName(MetricFamily family) =>
        family.Type == MetricType.Counter && family.Name.EndsWith("_total", StringComparison.Ordinal) ? family.Name[..^6] : family.Name;

    internal static void WriteHeader(IBufferWriter<byte> output, MetricFamily family)
    {
        var name = family.Name;
        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidOperationException("MetricFamily has no name");
        }
        var shortName = CounterFamilyName(family);

        if (family.HasHelp)
        {
            Utf8Output.Write(output, "# HELP "u8);
            Utf8Output.WriteName(output, shortName);
            Utf8Output.Write(output, (byte)' ');
            Utf8Output.WriteEscaped(output, family.Help, escapeQuote: true);
            Utf8Output.Write(output, (byte)'\n');
        }
        Utf8Output.Write(output, "# TYPE "u8);
        Utf8Output.WriteName(output, shortName);
        Utf8Output.Write(output, family.Type switch
        {
            MetricType.Counter => " counter\n"u8,
            MetricType.Gauge => " gauge\n"u8,
            MetricType.Summary => " summary\n"u8,
            MetricType.Untyped => " unknown\n"u8,
            MetricType.Histogram => " histogram\n"u8,
            MetricType.GaugeHistogram => " gaugehistogram\n"u8,
            _ => throw new InvalidOperationException($"unknown metric type {(int)family.Type}"),
        });
        if (family.HasUnit && family.Unit.Length > 0 && shortName.EndsWith("_" + family.Unit, StringComparison.Ordinal))
        {
            Utf8Output.Write(output, "# UNIT "u8);
            Utf8Output.WriteName(output, shortName);
            Utf8Output.Write(output, (byte)' ');
            Utf8Output.WriteEscaped(output, family.Unit, escapeQuote: true);
            Utf8Output.Write(output, (byte)'\n');
        }
    }

    internal static void WriteSeries(IBufferWriter<byte> output, MetricFamily family, Metric metric)
    {
        var name = family.Name;
        switch (family.Type)
        {
            case MetricType.Counter:
            {
                var counter = metric.Counter ?? throw Missing("counter", name);
                WriteSample(output, CounterFamilyName(family), "_total"u8, metric, default, 0, Value.Float(counter.Value), counter.Exemplar);
                break;
            }
            case MetricType.Gauge:
                WriteSample(output, name, default, metric, default, 0, Value.Float((metric.Gauge ?? throw Missing("gauge", name)).Value), null);
                break;
            case MetricType.Untyped:
                WriteSample(output, name, default, metric, default, 0, Value.Float((metric.Untyped ?? throw Missing("untyped", name)).Value), null);
                break;
            case MetricType.Summary:
            {
                var summary = metric.Summary ?? throw Missing("summary", name);
                foreach (var q in summary.Quantile)
                {
                    WriteSample(output, name, default, metric, "quantile"u8, q.Quantile_, Value.Float(q.Value), null);
                }
                WriteSample(output, name, "_sum"u8, metric, default, 0, Value.Float(summary.SampleSum), null);
                WriteSample(output, name, "_count"u8, metric, default, 0, Value.Count(summary.SampleCount), null);
                break;
            }
            case MetricType.Histogram:
            case MetricType.GaugeHistogram:
            {
                var histogram = metric.Histogram ?? throw Missing("histogram", name);
                var gauge = family.Type == MetricType.GaugeHistogram;
                var infSeen = false;
                foreach (var b in histogram.Bucket)
                {
                    var count = b.CumulativeCountFloat != 0 ? Value.Float(b.CumulativeCountFloat) : Value.Count(b.CumulativeCount);
                    WriteSample(output, name, "_bucket"u8, metric, "le"u8, b.UpperBound, count, b.Exemplar);
                    if (double.IsPositiveInfinity(b.UpperBound))
                    {
                        infSeen = true;
                    }
                }
                var total = histogram.SampleCountFloat != 0 ? Value.Float(histogram.SampleCountFloat) : Value.Count(histogram.SampleCount);
                if (!infSeen)
                {
                    WriteSample(output, name, "_bucket"u8, metric, "le"u8, double.PositiveInfinity, total, null);
                }
                WriteSample(output, name, gauge ? "_gsum"u8 : "_sum"u8, metric, default, 0, Value.Float(histogram.SampleSum), null);
                WriteSample(output, name, gauge ? "_gcount"u8 : "_count"u8, metric, default, 0, total, null);
                break;
            }
            default:
                throw new InvalidOperationException($"unexpected type in metric {name}");
        }
    }

    private static InvalidOperationException Missing(string kind, string name) => new($"expected {kind} in metric {name}");

    private readonly record struct Value(double FloatValue, ulong CountValue, bool IsCount)
    {
        public static Value Float(double v) => new(v, 0, false);

        public static Value Count(ulong v) => new(0, v, true);
    }

    private static void WriteSample(
        IBufferWriter<byte> output,
        string name,
        ReadOnlySpan<byte> suffix,
        Metric metric,
        ReadOnlySpan<byte> extraLabelName,
        double extraLabelValue,
        Value value,
        Exemplar? exemplar)
    {
        if (Grouping.LabelNames.IsValidMetricName(name))
        {
            Utf8Output.Write(output, name);
            Utf8Output.Write(output, suffix);
            WriteLabels(output, metric.Label, extraLabelName, extraLabelValue);
        }
        else
        {
            // A UTF-8 name (Gateway:EnableUtf8Names) goes quoted inside the braces, as in text.
            Utf8Output.Write(output, (byte)'{');
            Utf8Output.WriteName(output, name + System.Text.Encoding.UTF8.GetString(suffix));
            Utf8Output.WriteLabelSet(output, metric.Label, extraLabelName, extraLabelValue, WriteFloat, afterQuotedName: true);
        }
        Utf8Output.Write(output, (byte)' ');
        if (value.IsCount)
        {
            Utf8Output.WriteUInt64(output, value.CountValue);
        }
        else
        {
            WriteFloat(output, value.FloatValue);
        }
        if (metric.HasTimestampMs)
        {
            Utf8Output.Write(output, (byte)' ');
            WriteFloat(output, metric.TimestampMs / 1000.0);
        }
        if (exemplar is not null && exemplar.Label.Count > 0)
        {
            Utf8Output.Write(output, " # "u8);
            WriteLabels(output, exemplar.Label, default, 0);
            Utf8Output.Write(output, (byte)' ');
            WriteFloat(output, exemplar.Value);
            if (exemplar.Timestamp is not null)
            {
                Utf8Output.Write(output, (byte)' ');
                var ts = exemplar.Timestamp;
                WriteFloat(output, (double)(ts.Seconds * 1_000_000_000L + ts.Nanos) / 1e9);
            }
        }
        Utf8Output.Write(output, (byte)'\n');
    }

    private static void WriteLabels(IBufferWriter<byte> output, IReadOnlyList<LabelPair> labels, ReadOnlySpan<byte> extraLabelName, double extraLabelValue) =>
        Utf8Output.WriteLabelSet(output, labels, extraLabelName, extraLabelValue, WriteFloat);

    /// <summary>expfmt <c>writeOpenMetricsFloat</c>: 1.0, 0.0, -1.0 special; <c>.0</c> added to integers.</summary>
    internal static int FormatFloat(double value, Span<byte> destination)
    {
        if (value == 1)
        {
            "1.0"u8.CopyTo(destination);
            return 3;
        }
        if (value == 0)
        {
            "0.0"u8.CopyTo(destination);
            return 3;
        }
        if (value == -1)
        {
            "-1.0"u8.CopyTo(destination);
            return 4;
        }
        var n = GoFloat.Format(value, destination);
        if (double.IsFinite(value) && destination[..n].IndexOfAny((byte)'e', (byte)'.') < 0)
        {
            destination[n++] = (byte)'.';
            destination[n++] = (byte)'0';
        }
        return n;
    }

    private static void WriteFloat(IBufferWriter<byte> output, double value)
    {
        var span = output.GetSpan(GoFloat.MaxLength + 2);
        output.Advance(FormatFloat(value, span));
    }
}
