using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;

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
        // Sort keys computed once per group, not once per comparison.
        var items = new (GroupingKey Key, long Value, MetricGroup Group)[groups.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var group = groups[i];
            var value = Column switch
            {
                WebPageSortColumn.Age => Age(group, now) is var age && age == TimeSpan.MaxValue ? long.MaxValue : age.Ticks,
                WebPageSortColumn.Series => WebPageRenderer.SeriesCount(group),
                _ => 0,
            };
            items[i] = (group.Key, value, group);
        }
        var sign = Descending ? -1 : 1;
        var byKeyOnly = Column == WebPageSortColumn.Job;
        Array.Sort(items, (a, b) =>
        {
            var c = byKeyOnly ? 0 : a.Value.CompareTo(b.Value);
            if (c == 0)
            {
                c = JobFirst(a.Key, b.Key);
                if (!byKeyOnly)
                {
                    // Ties in another column stay in key order, whatever the direction.
                    return c;
                }
            }
            return sign * c;
        });
        var sorted = new List<MetricGroup>(items.Length);
        foreach (var item in items)
        {
            sorted.Add(item.Group);
        }
        return sorted;
    }

    /// <summary>
    /// The page's key order: the job (ordinal), then the key's canonical form, which lists the
    /// labels by name (a fixed order among a job's groups, without building anything per comparison).
    /// </summary>
    public static int JobFirst(GroupingKey a, GroupingKey b)
    {
        var c = string.CompareOrdinal(a.Job, b.Job);
        return c != 0 ? c : string.CompareOrdinal(a.Canonical, b.Canonical);
    }

    /// <summary>The time since the last push (or attempt); <see cref="TimeSpan.MaxValue"/> if none.</summary>
    public static TimeSpan Age(MetricGroup group, DateTimeOffset now) =>
        (group.LastPushTime ?? group.LastFailureTime) is { } at ? now - at : TimeSpan.MaxValue;
}
