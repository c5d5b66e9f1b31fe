using Google.Protobuf.Collections;
using OpenTelemetry.Proto.Metrics.V1;
using ServerlessPush.Core.Metrics;
using Histogram = ServerlessPush.Core.Metrics.Histogram;

namespace ServerlessPush.Core.Otlp;

/// <summary>
/// An OTLP exponential histogram point as a Prometheus native histogram, the fields the protobuf
/// exposition carries. OTLP's scale is the schema; a scale above 8 (Prometheus's finest) is reduced to
/// 8 by merging neighbouring buckets, a scale below -4 is refused. OTLP bucket <c>i</c> counts
/// <c>(base^i, base^(i+1)]</c> and Prometheus bucket <c>i</c> counts <c>(base^(i-1), base^i]</c>, so the
/// index moves by one. A zero threshold of 0 becomes Prometheus's default 1e-128 (a scraper tells a
/// native histogram from a classic one by it, and no double lies between 0 and it but subnormals).
/// </summary>
public static class NativeHistograms
{
    public const int MaxSchema = 8;
    public const int MinSchema = -4;
    public const double DefaultZeroThreshold = 1e-128;

    /// <summary>The histogram, or the reason the point cannot be one.</summary>
    public static (Histogram? Histogram, string? Error) From(ExponentialHistogramDataPoint point)
    {
        if (point.Scale < MinSchema)
        {
            return (null, $"exponential histogram scale {point.Scale} is below the lowest native histogram schema {MinSchema}");
        }
        var shift = Math.Max(0, point.Scale - MaxSchema);
        var histogram = new Histogram
        {
            SampleCount = point.Count,
            SampleSum = point.HasSum ? point.Sum : 0,
            Schema = Math.Min(point.Scale, MaxSchema),
            ZeroThreshold = point.ZeroThreshold > 0 ? point.ZeroThreshold : DefaultZeroThreshold,
            ZeroCount = point.ZeroCount,
        };
        if (point.Positive is { } positive)
        {
            Encode(positive, shift, histogram.PositiveSpan, histogram.PositiveDelta);
        }
        if (point.Negative is { } negative)
        {
            Encode(negative, shift, histogram.NegativeSpan, histogram.NegativeDelta);
        }
        return (histogram, null);
    }

    /// <summary>The buckets, merged down by <paramref name="shift"/> scales, as spans and count deltas.</summary>
    private static void Encode(ExponentialHistogramDataPoint.Types.Buckets buckets, int shift, RepeatedField<BucketSpan> spans, RepeatedField<long> deltas)
    {
        var merged = new SortedDictionary<long, ulong>();
        for (var i = 0; i < buckets.BucketCounts.Count; i++)
        {
            // Arithmetic shift: floor division, right for negative indices too.
            var index = ((long)buckets.Offset + i) >> shift;
            merged[index] = merged.GetValueOrDefault(index) + buckets.BucketCounts[i];
        }
        Encode(merged.Where(b => b.Value > 0).Select(b => (b.Key + 1, b.Value)), spans, deltas);
    }

    /// <summary>
    /// Prometheus's encoding of sorted (index, count) buckets: spans of consecutive indices (a gap of
    /// one or two empty buckets is cheaper filled with zeros than as a new span), then each count as
    /// the difference from the one before.
    /// </summary>
    public static void Encode(IEnumerable<(long Index, ulong Count)> buckets, RepeatedField<BucketSpan> spans, RepeatedField<long> deltas)
    {
        long? last = null;
        long previousCount = 0;
        BucketSpan? span = null;
        foreach (var (index, count) in buckets)
        {
            var gap = last is { } l ? index - l - 1 : long.MaxValue;
            if (span is not null && gap <= 2)
            {
                for (var z = 0; z < gap; z++)
                {
                    deltas.Add(-previousCount);
                    previousCount = 0;
                }
                span.Length += (uint)(gap + 1);
            }
            else
            {
                span = new BucketSpan { Offset = (int)(last is { } p ? index - p - 1 : index), Length = 1 };
                spans.Add(span);
            }
            deltas.Add((long)count - previousCount);
            previousCount = (long)count;
            last = index;
        }
    }

    /// <summary>The buckets of spans and deltas as (index, count), the inverse of <see cref="Encode(IEnumerable{ValueTuple{long, ulong}}, RepeatedField{BucketSpan}, RepeatedField{long})"/>.</summary>
    public static IEnumerable<(long Index, ulong Count)> Decode(IReadOnlyList<BucketSpan> spans, IReadOnlyList<long> deltas)
    {
        long index = 0;
        long count = 0;
        var d = 0;
        for (var s = 0; s < spans.Count; s++)
        {
            index += spans[s].Offset;
            for (var k = 0; k < spans[s].Length && d < deltas.Count; k++, d++)
            {
                count += deltas[d];
                yield return (index, (ulong)count);
                index++;
            }
        }
    }
}
