using System.Buffers;
using System.Text;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Exposition;

/// <summary>
/// Prometheus text format 0.0.4 output, byte for byte as the reference's
/// <c>expfmt.MetricFamilyToText</c> (prometheus/common): <c># HELP</c> only when HELP is set
/// (escaping <c>\</c> and newline), <c># TYPE</c> (a gauge histogram is written as
/// <c>histogram</c>), labels in stored order with <c>quantile</c>/<c>le</c> last, summaries as
/// quantiles then <c>_sum</c> then <c>_count</c>, histograms as buckets (a missing <c>+Inf</c>
/// bucket is added with the total count) then <c>_sum</c> then <c>_count</c>, absent sum/count
/// as 0, values via <see cref="GoFloat.FormatForExposition(double)"/>.
/// </summary>
/// <remarks>
/// The input is written in the given order: pass families through
/// <see cref="FamilyMerger.MergeAndSort"/> first. Float histogram counts (newer clients) are
/// used when non-zero, as prometheus/common does since v0.67. Timestamps are written if present
/// (the store rejects them, so they never are).
/// </remarks>
public static class TextFormatWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Bytes staged before a flush to the stream in <see cref="WriteAsync"/>.</summary>
    internal const int FlushThreshold = 32 * 1024;

    /// <summary>Writes all families synchronously.</summary>
    public static void Write(IBufferWriter<byte> output, IEnumerable<MetricFamily> families)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(families);
        foreach (var family in families)
        {
            WriteFamily(output, family);
        }
    }

    /// <summary>Writes one family (HELP, TYPE and all its samples).</summary>
    public static void WriteFamily(IBufferWriter<byte> output, MetricFamily family)
    {
        WriteHeader(output, family);
        foreach (var metric in family.Metric)
        {
            WriteSeries(output, family, metric);
        }
    }

    /// <summary>
    /// Streams the families to <paramref name="stream"/> through a pooled buffer that is flushed
    /// every <see cref="FlushThreshold"/> bytes, so large scrapes are never held in memory whole.
    /// </summary>
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
                if (buffer.WrittenCount >= FlushThreshold)
                {
                    await buffer.FlushToAsync(stream, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        await buffer.FlushToAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The text for <paramref name="families"/> as a string (tests, diagnostics).</summary>
    public static string WriteToString(IEnumerable<MetricFamily> families)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, families);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    internal static void WriteHeader(IBufferWriter<byte> output, MetricFamily family)
    {
        if (string.IsNullOrEmpty(family.Name))
        {
            throw new InvalidOperationException("MetricFamily has no name");
        }
        if (family.HasHelp)
        {
            Utf8Output.Write(output, "# HELP "u8);
            Utf8Output.WriteName(output, family.Name);
            Utf8Output.Write(output, (byte)' ');
            Utf8Output.WriteEscaped(output, family.Help, escapeQuote: false);
            Utf8Output.Write(output, (byte)'\n');
        }
        Utf8Output.Write(output, "# TYPE "u8);
        Utf8Output.WriteName(output, family.Name);
        Utf8Output.Write(output, family.Type switch
        {
            MetricType.Counter => " counter\n"u8,
            MetricType.Gauge => " gauge\n"u8,
            MetricType.Summary => " summary\n"u8,
            MetricType.Untyped => " untyped\n"u8,
            MetricType.Histogram or MetricType.GaugeHistogram => " histogram\n"u8,
            _ => throw new InvalidOperationException($"unknown metric type {(int)family.Type}"),
        });
    }

    internal static void WriteSeries(IBufferWriter<byte> output, MetricFamily family, Metric metric)
    {
        var name = family.Name;
        switch (family.Type)
        {
            case MetricType.Counter:
                WriteSample(output, name, default, metric, default, 0, Require(metric.Counter, "counter", name).Value);
                break;
            case MetricType.Gauge:
                WriteSample(output, name, default, metric, default, 0, Require(metric.Gauge, "gauge", name).Value);
                break;
            case MetricType.Untyped:
                WriteSample(output, name, default, metric, default, 0, Require(metric.Untyped, "untyped", name).Value);
                break;
            case MetricType.Summary:
            {
                var summary = Require(metric.Summary, "summary", name);
                foreach (var q in summary.Quantile)
                {
                    WriteSample(output, name, default, metric, "quantile"u8, q.Quantile_, q.Value);
                }
                WriteSample(output, name, "_sum"u8, metric, default, 0, summary.SampleSum);
                WriteSample(output, name, "_count"u8, metric, default, 0, summary.SampleCount);
                break;
            }
            case MetricType.Histogram:
            case MetricType.GaugeHistogram:
            {
                var histogram = Require(metric.Histogram, "histogram", name);
                var infSeen = false;
                foreach (var b in histogram.Bucket)
                {
                    var count = b.CumulativeCountFloat != 0 ? b.CumulativeCountFloat : b.CumulativeCount;
                    WriteSample(output, name, "_bucket"u8, metric, "le"u8, b.UpperBound, count);
                    if (double.IsPositiveInfinity(b.UpperBound))
                    {
                        infSeen = true;
                    }
                }
                var total = histogram.SampleCountFloat != 0 ? histogram.SampleCountFloat : histogram.SampleCount;
                if (!infSeen)
                {
                    WriteSample(output, name, "_bucket"u8, metric, "le"u8, double.PositiveInfinity, total);
                }
                WriteSample(output, name, "_sum"u8, metric, default, 0, histogram.SampleSum);
                WriteSample(output, name, "_count"u8, metric, default, 0, total);
                break;
            }
            default:
                throw new InvalidOperationException($"unexpected type in metric {name}");
        }
    }

    private static T Require<T>(T? value, string kind, string name)
        where T : class =>
        value ?? throw new InvalidOperationException($"expected {kind} in metric {name}");

    private static void WriteSample(
        IBufferWriter<byte> output,
        string name,
        ReadOnlySpan<byte> suffix,
        Metric metric,
        ReadOnlySpan<byte> extraLabelName,
        double extraLabelValue,
        double value)
    {
        if (Grouping.LabelNames.IsValidMetricName(name))
        {
            Utf8Output.Write(output, name);
            Utf8Output.Write(output, suffix);
            Utf8Output.WriteLabelSet(output, metric.Label, extraLabelName, extraLabelValue, WriteFloat);
        }
        else
        {
            // A UTF-8 name goes inside the braces, quoted with its suffix: {"my.metric_sum",a="b"}.
            Utf8Output.Write(output, (byte)'{');
            Utf8Output.WriteName(output, name + System.Text.Encoding.UTF8.GetString(suffix));
            Utf8Output.WriteLabelSet(output, metric.Label, extraLabelName, extraLabelValue, WriteFloat, afterQuotedName: true);
        }
        Utf8Output.Write(output, (byte)' ');
        WriteFloat(output, value);
        if (metric.HasTimestampMs)
        {
            Utf8Output.Write(output, (byte)' ');
            Utf8Output.WriteInt64(output, metric.TimestampMs);
        }
        Utf8Output.Write(output, (byte)'\n');
    }

    private static void WriteFloat(IBufferWriter<byte> output, double value)
    {
        var span = output.GetSpan(GoFloat.MaxLength);
        output.Advance(GoFloat.FormatForExposition(value, span));
    }
}
