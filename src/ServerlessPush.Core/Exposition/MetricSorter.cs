using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Exposition;

/// <summary>
/// Series order within a family, as client_golang's <c>internal.metricSorter</c>: fewer labels
/// first, then label <em>values</em> compared position by position (names are not compared; the
/// labels are expected to be sorted by name already), then timestamps (absent first).
/// </summary>
public sealed class MetricSorter : IComparer<Metric>
{
    public static readonly MetricSorter Instance = new();

    private MetricSorter()
    {
    }

    public int Compare(Metric? x, Metric? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }
        if (x is null)
        {
            return -1;
        }
        if (y is null)
        {
            return 1;
        }
        if (x.Label.Count != y.Label.Count)
        {
            return x.Label.Count.CompareTo(y.Label.Count);
        }
        for (var i = 0; i < x.Label.Count; i++)
        {
            var c = Utf8Ordinal.Instance.Compare(x.Label[i].Value, y.Label[i].Value);
            if (c != 0)
            {
                return c;
            }
        }
        if (x.HasTimestampMs != y.HasTimestampMs)
        {
            return x.HasTimestampMs ? 1 : -1;
        }
        return x.TimestampMs.CompareTo(y.TimestampMs);
    }
}
