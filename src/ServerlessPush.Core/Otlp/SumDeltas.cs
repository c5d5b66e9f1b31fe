using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Core.Otlp;

/// <summary>
/// OTLP delta points added to what the group holds, then written as <paramref name="then"/> would
/// write them. It needs the current group, so the store reads it with its version and applies this
/// again if another writer got there first: two instances adding deltas to one group both count.
/// A family whose stored copy is absent, expired or of another type starts from the delta.
/// </summary>
public sealed class SumDeltas(IReadOnlyList<PushedFamily> families, IReadOnlySet<string> deltaFamilies, DateTimeOffset pushTime,
    Func<IReadOnlyList<PushedFamily>, GroupMutation> then) : GroupMutation
{
    public override bool NeedsCurrent => true;

    public override GroupContent Apply(MetricGroup? current)
    {
        var live = current is null || current.IsExpiredAt(pushTime) ? null : current;
        var summed = families.Select(f =>
        {
            if (!deltaFamilies.Contains(f.Name) || live?.Families.FirstOrDefault(c => c.Name == f.Name) is not { } stored
                || stored.Family.Type != f.Family.Type)
            {
                return f;
            }
            return f with { Family = DeltaSum.Add(stored.Family, f.Family) };
        }).ToList();
        return then(summed).Apply(current);
    }
}

/// <summary>A delta family added to a stored one, series by series (matched by their labels); the inputs are not changed.</summary>
public static class DeltaSum
{
    public static MetricFamily Add(MetricFamily stored, MetricFamily delta)
    {
        var byLabels = stored.Metric.ToDictionary(Signature, StringComparer.Ordinal);
        var sum = delta.Clone();
        foreach (var metric in sum.Metric)
        {
            if (!byLabels.TryGetValue(Signature(metric), out var before))
            {
                continue;
            }
            if (metric.Counter is { } counter && before.Counter is { } c)
            {
                counter.Value += c.Value;
            }
            else if (metric.Gauge is { } gauge && before.Gauge is { } g)
            {
                gauge.Value += g.Value;
            }
            else if (metric.Histogram is { } histogram && before.Histogram is { } h)
            {
                AddHistogram(histogram, h);
            }
        }
        return sum;
    }

    private static void AddHistogram(Histogram into, Histogram before)
    {
        into.SampleCount += before.SampleCount;
        into.SampleSum += before.SampleSum;
        if (into.HasSchema || before.HasSchema)
        {
            AddNative(into, before);
            return;
        }
        var bounds = into.Bucket.Select(b => b.UpperBound).ToList();
        if (!bounds.SequenceEqual(before.Bucket.Select(b => b.UpperBound)))
        {
            // Bounds changed: the old buckets cannot be added; the new ones hold only this delta (count and sum still add up).
            return;
        }
        for (var i = 0; i < into.Bucket.Count; i++)
        {
            into.Bucket[i].CumulativeCount += before.Bucket[i].CumulativeCount;
        }
    }

    /// <summary>Both at the coarser schema (finer buckets merge exactly into coarser ones), bucket by bucket.</summary>
    private static void AddNative(Histogram into, Histogram before)
    {
        var schema = Math.Min(into.Schema, before.Schema);
        into.ZeroCount += before.ZeroCount;
        into.ZeroThreshold = Math.Max(into.ZeroThreshold, before.ZeroThreshold);
        var positive = Merge(NativeHistograms.Decode(into.PositiveSpan, into.PositiveDelta), into.Schema - schema,
            NativeHistograms.Decode(before.PositiveSpan, before.PositiveDelta), before.Schema - schema);
        var negative = Merge(NativeHistograms.Decode(into.NegativeSpan, into.NegativeDelta), into.Schema - schema,
            NativeHistograms.Decode(before.NegativeSpan, before.NegativeDelta), before.Schema - schema);
        into.Schema = schema;
        into.PositiveSpan.Clear();
        into.PositiveDelta.Clear();
        into.NegativeSpan.Clear();
        into.NegativeDelta.Clear();
        NativeHistograms.Encode(positive, into.PositiveSpan, into.PositiveDelta);
        NativeHistograms.Encode(negative, into.NegativeSpan, into.NegativeDelta);
    }

    private static List<(long Index, ulong Count)> Merge(IEnumerable<(long Index, ulong Count)> a, int shiftA, IEnumerable<(long Index, ulong Count)> b, int shiftB)
    {
        var merged = new SortedDictionary<long, ulong>();
        // Prometheus bucket i is OTLP bucket i-1: shift in OTLP's index space, where merging is index >> 1.
        foreach (var (index, count) in a.Select(x => (((x.Index - 1) >> shiftA) + 1, x.Count)).Concat(b.Select(x => (((x.Index - 1) >> shiftB) + 1, x.Count))))
        {
            merged[index] = merged.GetValueOrDefault(index) + count;
        }
        return merged.Where(x => x.Value > 0).Select(x => (x.Key, x.Value)).ToList();
    }

    private static string Signature(Metric metric) =>
        string.Join('\u0000', metric.Label.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => l.Name + "\u0001" + l.Value));
}
