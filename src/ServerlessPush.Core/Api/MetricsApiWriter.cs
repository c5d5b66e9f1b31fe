using System.Buffers;
using System.Globalization;
using System.Text;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Core.Api;

/// <summary>
/// The body of <c>GET /api/v1/metrics</c> (reference api/v1/api.go, <c>metrics</c>):
/// <c>{"status":"success","data":[…]}</c>, one object per group with <c>labels</c> (the grouping
/// labels), <c>last_push_successful</c> and one key per family (the two timestamp gauges
/// included) holding <c>time_stamp</c>, <c>type</c>, <c>help</c> (left out when empty) and
/// <c>metrics</c>.
/// </summary>
/// <remarks>
/// <para>Byte-compatible with Go's <c>encoding/json</c>: map keys sorted bytewise (group keys,
/// metric keys, labels, quantiles, buckets), struct fields in declaration order, all numbers as
/// strings made by <c>fmt.Sprint</c> (<see cref="GoFloat.Format(double)"/>, so <c>-0</c> stays
/// <c>-0</c>), counts as integers, Go string escaping and Go time format (<see cref="GoJson"/>).
/// Groups come out in the order given (the reference's order is random).</para>
/// <para>Per metric by family type: SUMMARY → <c>quantiles</c>, <c>count</c>, <c>sum</c>;
/// HISTOGRAM → <c>buckets</c> (upper bound → cumulative count, <c>+Inf</c> only if pushed),
/// <c>count</c>, <c>sum</c>, with float counts used when non-zero (reference 1.10+); anything else
/// → <c>value</c> from gauge, counter or untyped, else <c>"0"</c> (so a gauge histogram is
/// <c>"0"</c>, as in the reference). A native histogram (any span) gets upstream 1.8+'s bucket array
/// instead (<see cref="NativeHistogramBuckets"/>) and its count from the integer or float count.</para>
/// <para><c>time_stamp</c>: a pushed family carries <see cref="PushedFamily.PushedAt"/>. In the
/// reference each timestamp gauge carries the time of the write that last stored it: for
/// <c>push_time_seconds</c> the last successful push (or, while it is 0, the failed push that
/// created the group), for <c>push_failure_time_seconds</c> the last failure (or, while it is 0,
/// the <em>first</em> successful push). <see cref="MetricGroup"/> does not keep the time of the
/// first push, so while a gauge is 0 its <c>time_stamp</c> is the other gauge's time; this equals
/// the reference until a second write to the group.</para>
/// <para>Deliberate difference: a pushed family named <c>labels</c> or <c>last_push_successful</c>
/// is left out instead of overwriting those keys.</para>
/// </remarks>
public static class MetricsApiWriter
{
    public const string ContentType = "application/json";

    private const string LabelsKey = "labels";
    private const string LastPushSuccessfulKey = "last_push_successful";
    /// <summary>ServerlessPush addition: when the group expires (present only for groups with a TTL).</summary>
    private const string ExpiresAtKey = "expires_at";
    /// <summary>ServerlessPush addition: when a stale group (expired, kept by its job's setting) is deleted; present only for those.</summary>
    private const string StaleUntilKey = "stale_until";
    /// <summary>ServerlessPush addition: the last rejected push's reason and time (present only once one is recorded).</summary>
    private const string LastFailureKey = "last_failure";

    public static void Write(IBufferWriter<byte> output, IEnumerable<MetricGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(groups);
        Utf8Output.Write(output, "{\"status\":\"success\",\"data\":["u8);
        var first = true;
        foreach (var group in groups)
        {
            if (!first)
            {
                Utf8Output.Write(output, (byte)',');
            }
            first = false;
            WriteGroup(output, group);
        }
        Utf8Output.Write(output, "]}"u8);
    }

    /// <summary>Streams the body through a pooled buffer, flushing between groups.</summary>
    public static async Task WriteAsync(Stream stream, IEnumerable<MetricGroup> groups, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(groups);
        using var buffer = new PooledBufferWriter();
        Utf8Output.Write(buffer, "{\"status\":\"success\",\"data\":["u8);
        var first = true;
        foreach (var group in groups)
        {
            if (!first)
            {
                Utf8Output.Write(buffer, (byte)',');
            }
            first = false;
            WriteGroup(buffer, group);
            if (buffer.WrittenCount >= TextFormatWriter.FlushThreshold)
            {
                await buffer.FlushToAsync(stream, cancellationToken).ConfigureAwait(false);
            }
        }
        Utf8Output.Write(buffer, "]}"u8);
        await buffer.FlushToAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    public static string WriteToString(IEnumerable<MetricGroup> groups)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, groups);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>One group object.</summary>
    public static void WriteGroup(IBufferWriter<byte> output, MetricGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var entries = new SortedDictionary<string, Action>(Utf8Ordinal.Instance)
        {
            [LabelsKey] = () => WriteStringMap(output, group.Key.Labels),
            [LastPushSuccessfulKey] = () => Utf8Output.Write(output, group.LastPushSuccessful ? "true"u8 : "false"u8),
        };
        foreach (var pushed in group.Families)
        {
            var name = pushed.Name;
            if (name is LabelsKey or LastPushSuccessfulKey or ExpiresAtKey or StaleUntilKey or LastFailureKey || TimestampGauges.IsTimestampGaugeName(name))
            {
                continue;
            }
            entries[name] = () => WriteFamily(output, pushed.Family, pushed.PushedAt);
        }
        if (group.ExpiresAt is { } expiresAt)
        {
            entries[ExpiresAtKey] = () => GoJson.WriteString(output, GoJson.FormatTime(expiresAt));
        }
        if (group.StaleUntil is { } staleUntil)
        {
            entries[StaleUntilKey] = () => GoJson.WriteString(output, GoJson.FormatTime(staleUntil));
        }
        if (group.LastFailureReason is { } reason)
        {
            entries[LastFailureKey] = () =>
            {
                Utf8Output.Write(output, "{\"reason\":"u8);
                GoJson.WriteString(output, reason);
                Utf8Output.Write(output, ",\"time\":"u8);
                GoJson.WriteString(output, GoJson.FormatTime(group.LastFailureTime));
                Utf8Output.Write(output, (byte)'}');
            };
        }
        var pushTime = TimestampGauges.PushTime(group.Key, group.LastPushTime);
        var failureTime = TimestampGauges.PushFailureTime(group.Key, group.LastFailureTime);
        entries[TimestampGauges.PushTimeName] = () => WriteFamily(output, pushTime, group.LastPushTime ?? group.LastFailureTime);
        entries[TimestampGauges.PushFailureTimeName] = () => WriteFamily(output, failureTime, group.LastFailureTime ?? group.LastPushTime);

        var separator = (byte)'{';
        foreach (var (key, write) in entries)
        {
            Utf8Output.Write(output, separator);
            separator = (byte)',';
            GoJson.WriteString(output, key);
            Utf8Output.Write(output, (byte)':');
            write();
        }
        Utf8Output.Write(output, (byte)'}');
    }

    private static void WriteFamily(IBufferWriter<byte> output, MetricFamily family, DateTimeOffset? timestamp)
    {
        Utf8Output.Write(output, "{\"time_stamp\":"u8);
        GoJson.WriteString(output, GoJson.FormatTime(timestamp));
        Utf8Output.Write(output, ",\"type\":"u8);
        GoJson.WriteString(output, TypeName(family.Type));
        if (family.Help.Length > 0)
        {
            Utf8Output.Write(output, ",\"help\":"u8);
            GoJson.WriteString(output, family.Help);
        }
        Utf8Output.Write(output, ",\"metrics\":["u8);
        for (var i = 0; i < family.Metric.Count; i++)
        {
            if (i > 0)
            {
                Utf8Output.Write(output, (byte)',');
            }
            WriteMetric(output, family.Metric[i], family.Type);
        }
        Utf8Output.Write(output, "]}"u8);
    }

    private static void WriteMetric(IBufferWriter<byte> output, Metric metric, MetricType type)
    {
        // Keys in sorted order: buckets, count, labels, quantiles, sum, value.
        var labels = metric.Label.Select(l => KeyValuePair.Create(l.Name, l.Value));
        switch (type)
        {
            case MetricType.Summary:
            {
                var summary = metric.Summary;
                Utf8Output.Write(output, "{\"count\":"u8);
                GoJson.WriteString(output, (summary?.SampleCount ?? 0).ToString(CultureInfo.InvariantCulture));
                Utf8Output.Write(output, ",\"labels\":"u8);
                WriteStringMap(output, labels);
                Utf8Output.Write(output, ",\"quantiles\":"u8);
                WriteStringMap(output, (summary?.Quantile ?? []).Select(q => KeyValuePair.Create(GoFloat.Format(q.Quantile_), GoFloat.Format(q.Value))));
                Utf8Output.Write(output, ",\"sum\":"u8);
                GoJson.WriteString(output, GoFloat.Format(summary?.SampleSum ?? 0));
                Utf8Output.Write(output, (byte)'}');
                break;
            }
            case MetricType.Histogram:
            {
                var histogram = metric.Histogram;
                Utf8Output.Write(output, "{\"buckets\":"u8);
                string count;
                if (histogram is not null && NativeHistogramBuckets.IsNative(histogram))
                {
                    var isFloat = NativeHistogramBuckets.IsFloat(histogram);
                    WriteNativeBuckets(output, NativeHistogramBuckets.Buckets(histogram), isFloat);
                    count = isFloat ? GoFloat.Format(histogram.SampleCountFloat) : histogram.SampleCount.ToString(CultureInfo.InvariantCulture);
                }
                else
                {
                    WriteStringMap(output, (histogram?.Bucket ?? []).Select(b => KeyValuePair.Create(
                        GoFloat.Format(b.UpperBound),
                        b.CumulativeCountFloat > 0 ? GoFloat.Format(b.CumulativeCountFloat) : b.CumulativeCount.ToString(CultureInfo.InvariantCulture))));
                    count = histogram is null ? "0"
                        : histogram.SampleCountFloat > 0 ? GoFloat.Format(histogram.SampleCountFloat)
                        : histogram.SampleCount.ToString(CultureInfo.InvariantCulture);
                }
                Utf8Output.Write(output, ",\"count\":"u8);
                GoJson.WriteString(output, count);
                Utf8Output.Write(output, ",\"labels\":"u8);
                WriteStringMap(output, labels);
                Utf8Output.Write(output, ",\"sum\":"u8);
                GoJson.WriteString(output, GoFloat.Format(histogram?.SampleSum ?? 0));
                Utf8Output.Write(output, (byte)'}');
                break;
            }
            default:
            {
                var value = metric.Gauge is not null ? metric.Gauge.Value
                    : metric.Counter is not null ? metric.Counter.Value
                    : metric.Untyped is not null ? metric.Untyped.Value
                    : 0;
                Utf8Output.Write(output, "{\"labels\":"u8);
                WriteStringMap(output, labels);
                Utf8Output.Write(output, ",\"value\":"u8);
                GoJson.WriteString(output, GoFloat.Format(value));
                Utf8Output.Write(output, (byte)'}');
                break;
            }
        }
    }

    /// <summary>
    /// Native buckets as Pushgateway 1.8+ writes them (histogram.BucketsAsJson): an array of
    /// <c>[boundaries, "lower", "upper", "count"]</c>, boundaries a number (0 <c>(]</c>, 1 <c>[)</c>,
    /// 2 <c>()</c>, 3 <c>[]</c>), the rest <c>fmt.Sprintf("%v")</c> strings; <c>null</c> when no bucket is
    /// populated (a nil Go slice).
    /// </summary>
    private static void WriteNativeBuckets(IBufferWriter<byte> output, List<NativeBucket> buckets, bool isFloat)
    {
        if (buckets.Count == 0)
        {
            Utf8Output.Write(output, "null"u8);
            return;
        }
        var separator = (byte)'[';
        foreach (var bucket in buckets)
        {
            Utf8Output.Write(output, separator);
            separator = (byte)',';
            Utf8Output.Write(output, (byte)'[');
            Utf8Output.WriteInt64(output, (long)bucket.Boundaries);
            Utf8Output.Write(output, (byte)',');
            GoJson.WriteString(output, GoFloat.Format(bucket.Lower));
            Utf8Output.Write(output, (byte)',');
            GoJson.WriteString(output, GoFloat.Format(bucket.Upper));
            Utf8Output.Write(output, (byte)',');
            GoJson.WriteString(output, isFloat ? GoFloat.Format(bucket.Count) : ((ulong)bucket.Count).ToString(CultureInfo.InvariantCulture));
            Utf8Output.Write(output, (byte)']');
        }
        Utf8Output.Write(output, (byte)']');
    }

    /// <summary>A Go <c>map[string]string</c>: later duplicates win, keys sorted bytewise.</summary>
    private static void WriteStringMap(IBufferWriter<byte> output, IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var map = new SortedDictionary<string, string>(Utf8Ordinal.Instance);
        foreach (var (k, v) in pairs)
        {
            map[k] = v;
        }
        var separator = (byte)'{';
        foreach (var (k, v) in map)
        {
            Utf8Output.Write(output, separator);
            separator = (byte)',';
            GoJson.WriteString(output, k);
            Utf8Output.Write(output, (byte)':');
            GoJson.WriteString(output, v);
        }
        if (separator == (byte)'{')
        {
            Utf8Output.Write(output, (byte)'{');
        }
        Utf8Output.Write(output, (byte)'}');
    }

    private static string TypeName(MetricType type) => type switch
    {
        MetricType.Counter => "COUNTER",
        MetricType.Gauge => "GAUGE",
        MetricType.Summary => "SUMMARY",
        MetricType.Untyped => "UNTYPED",
        MetricType.Histogram => "HISTOGRAM",
        MetricType.GaugeHistogram => "GAUGE_HISTOGRAM",
        _ => ((int)type).ToString(CultureInfo.InvariantCulture),
    };
}
