using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Exposition;

/// <summary>How a bucket's ends belong to it, numbered as Pushgateway's API numbers them.</summary>
public enum BucketBoundaries
{
    /// <summary><c>(lower, upper]</c>: positive buckets.</summary>
    LeftOpen = 0,
    /// <summary><c>[lower, upper)</c>: negative buckets.</summary>
    RightOpen = 1,
    /// <summary><c>(lower, upper)</c>.</summary>
    Open = 2,
    /// <summary><c>[lower, upper]</c>: the zero bucket.</summary>
    Closed = 3,
}

/// <summary>One populated bucket of a native histogram, with its absolute (not cumulative) count.</summary>
public readonly record struct NativeBucket(BucketBoundaries Boundaries, double Lower, double Upper, double Count);

/// <summary>
/// The buckets of a native (exponential) histogram as Prometheus's <c>model/histogram</c> bucket
/// iterators decode them and Pushgateway 1.8+ lists them: negative buckets from the most negative
/// up, then the zero bucket, then positive buckets; buckets with a count of 0 left out.
/// </summary>
/// <remarks>
/// Bucket <c>i</c> of schema <c>s</c> is <c>(2^((i-1)/2^s), 2^(i/2^s)]</c> (mirrored for negative
/// buckets). Prometheus takes the fractional powers of two from a table of float64 constants; here
/// they are computed with <see cref="Math.Pow(double, double)"/>, which can differ from a table
/// entry in the last bit: a bound that is not a power of two may print with a different 16th or
/// 17th digit than upstream. Powers of two (schema ≤ 0, every 2^s-th bound) are exact.
/// </remarks>
public static class NativeHistogramBuckets
{
    /// <summary>Whether the histogram has native buckets (upstream: any positive or negative span).</summary>
    public static bool IsNative(Histogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        return histogram.PositiveSpan.Count + histogram.NegativeSpan.Count > 0;
    }

    /// <summary>Float histogram (float counts) rather than integer: upstream's test.</summary>
    public static bool IsFloat(Histogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        return histogram.SampleCountFloat > 0 || histogram.ZeroCountFloat > 0;
    }

    /// <summary>The total count: the float count of a float histogram, else the integer count.</summary>
    public static double Count(Histogram histogram) =>
        IsFloat(histogram) ? histogram.SampleCountFloat : histogram.SampleCount;

    /// <summary>The populated buckets in upstream's order (see the class remarks).</summary>
    public static List<NativeBucket> Buckets(Histogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        var isFloat = IsFloat(histogram);
        var schema = histogram.Schema;
        var result = new List<NativeBucket>();

        var negative = Decode(histogram.NegativeSpan, isFloat ? null : histogram.NegativeDelta, isFloat ? histogram.NegativeCount : null);
        for (var i = negative.Count - 1; i >= 0; i--)
        {
            var (index, count) = negative[i];
            if (count != 0)
            {
                result.Add(new NativeBucket(BucketBoundaries.RightOpen, -Bound(index, schema), -Bound(index - 1, schema), count));
            }
        }
        var zero = isFloat ? histogram.ZeroCountFloat : histogram.ZeroCount;
        if (zero != 0)
        {
            result.Add(new NativeBucket(BucketBoundaries.Closed, -histogram.ZeroThreshold, histogram.ZeroThreshold, zero));
        }
        foreach (var (index, count) in Decode(histogram.PositiveSpan, isFloat ? null : histogram.PositiveDelta, isFloat ? histogram.PositiveCount : null))
        {
            if (count != 0)
            {
                result.Add(new NativeBucket(BucketBoundaries.LeftOpen, Bound(index - 1, schema), Bound(index, schema), count));
            }
        }
        return result;
    }

    /// <summary>
    /// The family with every native-only histogram given classic buckets, for text scrapers
    /// (<c>Gateway:Scrape:NativeHistogramsAsClassic</c>); the same instance when nothing changes.
    /// </summary>
    /// <remarks>
    /// Per series whose histogram has native spans and no classic buckets (a client that sends both
    /// keeps its own classic buckets): one bucket per populated native bucket, in increasing order,
    /// <c>le</c> = its upper end (negative buckets' upper ends, then the zero bucket's
    /// <c>+zero_threshold</c> when its count is not 0, then positive upper ends), with the running
    /// (cumulative) count; then <c>+Inf</c> with the total count (as <c>_count</c>, so observations of
    /// NaN fall in <c>+Inf</c> only). The one approximation: a negative native bucket excludes its upper
    /// end (<c>[lower, upper)</c>) while <c>le</c> includes it, so an observation exactly on a negative
    /// bound is counted one classic bucket higher. Float histograms keep float counts. The native
    /// fields stay in place (text writers ignore them).
    /// </remarks>
    public static MetricFamily WithClassicBuckets(MetricFamily family)
    {
        ArgumentNullException.ThrowIfNull(family);
        if (family.Type is not (MetricType.Histogram or MetricType.GaugeHistogram)
            || !family.Metric.Any(m => m.Histogram is { } h && h.Bucket.Count == 0 && IsNative(h)))
        {
            return family;
        }
        var copy = family.Clone();
        foreach (var metric in copy.Metric)
        {
            if (metric.Histogram is { } h && h.Bucket.Count == 0 && IsNative(h))
            {
                AddClassicBuckets(h);
            }
        }
        return copy;
    }

    private static void AddClassicBuckets(Histogram h)
    {
        var isFloat = IsFloat(h);
        double cumulative = 0;
        foreach (var bucket in Buckets(h))
        {
            cumulative += bucket.Count;
            h.Bucket.Add(isFloat
                ? new Bucket { UpperBound = bucket.Upper, CumulativeCountFloat = cumulative }
                : new Bucket { UpperBound = bucket.Upper, CumulativeCount = (ulong)cumulative });
        }
        h.Bucket.Add(isFloat
            ? new Bucket { UpperBound = double.PositiveInfinity, CumulativeCountFloat = h.SampleCountFloat }
            : new Bucket { UpperBound = double.PositiveInfinity, CumulativeCount = h.SampleCount });
    }

    /// <summary>
    /// The upper bound of bucket <paramref name="index"/> (Prometheus's <c>getBound</c> for
    /// exponential schemas): <c>2^(index/2^schema)</c>, capped so the last finite bucket ends at
    /// <see cref="double.MaxValue"/>'s power of two rather than overflowing early.
    /// </summary>
    public static double Bound(int index, int schema)
    {
        if (schema < 0)
        {
            var exp = (long)index << -schema;
            if (exp == 1024)
            {
                exp--;
            }
            return Math.ScaleB(1, (int)Math.Clamp(exp, -2000, 2000));
        }
        var perPowerOfTwo = 1 << schema;
        var fracIndex = index & (perPowerOfTwo - 1);
        var frac = Math.Pow(2, (double)fracIndex / perPowerOfTwo) / 2;
        var exponent = (index >> schema) + 1;
        if (fracIndex == 0 && exponent == 1025)
        {
            exponent--;
        }
        return Math.ScaleB(frac, exponent);
    }

    /// <summary>(index, absolute count) per bucket in the spans; deltas are summed (integer histograms).</summary>
    private static List<(int Index, double Count)> Decode(IReadOnlyList<BucketSpan> spans, IReadOnlyList<long>? deltas, IReadOnlyList<double>? counts)
    {
        var result = new List<(int, double)>();
        var index = 0;
        var position = 0;
        long running = 0;
        foreach (var span in spans)
        {
            index += span.Offset;
            for (var k = 0; k < span.Length; k++)
            {
                double count;
                if (deltas is not null)
                {
                    if (position >= deltas.Count)
                    {
                        return result;
                    }
                    running += deltas[position];
                    count = running;
                }
                else
                {
                    if (position >= counts!.Count)
                    {
                        return result;
                    }
                    count = counts[position];
                }
                position++;
                result.Add((index, count));
                index++;
            }
        }
        return result;
    }
}
