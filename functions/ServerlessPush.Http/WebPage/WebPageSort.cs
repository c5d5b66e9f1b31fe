using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Http.WebPage;

/// <summary>The column the page's groups are sorted by.</summary>
public enum WebPageSortColumn
{
    /// <summary>Job first, then the other grouping labels by name (the default).</summary>
    Job,

    /// <summary>Time since the last push (the last attempt if none succeeded); never pushed counts as oldest.</summary>
    Age,

    /// <summary>Series in the group.</summary>
    Series,
}

/// <summary>
/// The order of the page's groups (<c>?sort=job|age|series&amp;dir=asc|desc</c>), applied to the whole
/// filtered set before paging. Ties fall back to grouping-key order, so the order is total and stable.
/// </summary>
public sealed record WebPageSort(WebPageSortColumn Column, bool Descending)
{
    public static readonly WebPageSort Default = new(WebPageSortColumn.Job, false);

    public bool IsDefault => this == Default;

    public string ColumnName => Column.ToString().ToLowerInvariant();

    public static WebPageSort Create(string? column, string? direction)
    {
        var parsed = column?.ToLowerInvariant() switch
        {
            "age" => WebPageSortColumn.Age,
            "series" => WebPageSortColumn.Series,
            _ => WebPageSortColumn.Job,
        };
        var descending = direction?.ToLowerInvariant() switch
        {
            "desc" => true,
            "asc" => false,
            _ => FirstDescending(parsed),
        };
        return new WebPageSort(parsed, descending);
    }

    /// <summary>The direction a column's link sorts first: the oldest and the largest groups are the ones to look at.</summary>
    public static bool FirstDescending(WebPageSortColumn column) => column != WebPageSortColumn.Job;

    /// <summary>The sort a column header links to: that column, its other direction if it is the current one.</summary>
    public WebPageSort Toggle(WebPageSortColumn column) =>
        column == Column ? this with { Descending = !Descending } : new WebPageSort(column, FirstDescending(column));

    public List<MetricGroup> Apply(IReadOnlyList<MetricGroup> groups, DateTimeOffset now)
    {
        var sorted = groups.ToList();
        Comparison<MetricGroup> compare = Column switch
        {
            WebPageSortColumn.Age => (a, b) => Age(a, now).CompareTo(Age(b, now)),
            WebPageSortColumn.Series => (a, b) => WebPageRenderer.SeriesCount(a).CompareTo(WebPageRenderer.SeriesCount(b)),
            _ => (a, b) => JobFirst(a.Key, b.Key),
        };
        var descending = Descending;
        sorted.Sort((a, b) =>
        {
            var c = compare(a, b);
            if (descending)
            {
                c = -c;
            }
            return c != 0 ? c : JobFirst(a.Key, b.Key);
        });
        return sorted;
    }

    /// <summary>The page's key order: the job, then the other grouping labels by name (names, then values, ordinal).</summary>
    public static int JobFirst(GroupingKey a, GroupingKey b)
    {
        var c = string.CompareOrdinal(a.Job, b.Job);
        if (c != 0)
        {
            return c;
        }
        using var x = a.Labels.Where(l => l.Key != GroupingKey.JobLabel).GetEnumerator();
        using var y = b.Labels.Where(l => l.Key != GroupingKey.JobLabel).GetEnumerator();
        while (true)
        {
            var more = x.MoveNext();
            if (more != y.MoveNext())
            {
                return more ? 1 : -1;
            }
            if (!more)
            {
                return 0;
            }
            c = string.CompareOrdinal(x.Current.Key, y.Current.Key);
            if (c == 0)
            {
                c = string.CompareOrdinal(x.Current.Value, y.Current.Value);
            }
            if (c != 0)
            {
                return c;
            }
        }
    }

    /// <summary>The time since the last push (or attempt); <see cref="TimeSpan.MaxValue"/> if none.</summary>
    public static TimeSpan Age(MetricGroup group, DateTimeOffset now) =>
        (group.LastPushTime ?? group.LastFailureTime) is { } at ? now - at : TimeSpan.MaxValue;
}
