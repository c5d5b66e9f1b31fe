using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Core.Exposition;

/// <summary>
/// The scrape's view of the store (reference <c>GetMetricFamilies</c> followed by client_golang's
/// <c>NormalizeMetricFamilies</c>): families of the same name are merged into one, empty families
/// are dropped, families are sorted by name and series by <see cref="MetricSorter"/>.
/// </summary>
public static class FamilyMerger
{
    /// <summary>
    /// Merges same-named families (series concatenated in input order; name, HELP, TYPE and UNIT
    /// from the first one seen), drops families without series, sorts families by name (UTF-8 byte
    /// order) and each family's series with <see cref="MetricSorter"/> (stable).
    /// </summary>
    /// <remarks>
    /// Inputs are never modified: every returned family is a new <see cref="MetricFamily"/> whose
    /// series list references the input <see cref="Metric"/> instances. Callers must therefore
    /// treat the returned metrics as read-only.
    /// </remarks>
    public static IReadOnlyList<MetricFamily> MergeAndSort(IEnumerable<MetricFamily> families)
    {
        ArgumentNullException.ThrowIfNull(families);
        var byName = new Dictionary<string, (MetricFamily First, List<Metric> Series)>(StringComparer.Ordinal);
        foreach (var family in families)
        {
            if (family is null)
            {
                continue;
            }
            if (!byName.TryGetValue(family.Name, out var entry))
            {
                entry = (family, new List<Metric>(family.Metric.Count));
                byName.Add(family.Name, entry);
            }
            entry.Series.AddRange(family.Metric);
        }

        var result = new List<MetricFamily>(byName.Count);
        foreach (var (first, series) in byName.Values)
        {
            if (series.Count == 0)
            {
                continue;
            }
            var merged = Header(first);
            // List<T>.Sort is not stable; keep input order among equal series.
            var ordered = series.Select((m, i) => (m, i)).ToArray();
            Array.Sort(ordered, static (a, b) =>
            {
                var c = MetricSorter.Instance.Compare(a.m, b.m);
                return c != 0 ? c : a.i.CompareTo(b.i);
            });
            foreach (var (m, _) in ordered)
            {
                merged.Metric.Add(m);
            }
            result.Add(merged);
        }
        result.Sort(static (a, b) => Utf8Ordinal.Instance.Compare(a.Name, b.Name));
        return result;
    }

    /// <summary>
    /// What a scrape shows: <paramref name="ownFamilies"/> (the gateway's own metrics; listed
    /// first so their HELP wins, like the reference's predefined HELP), then for each group its
    /// pushed families and its two <see cref="TimestampGauges"/>, merged and sorted by
    /// <see cref="MergeAndSort"/>. Pushed families named like the timestamp gauges are ignored:
    /// the gauges are always built from the group's times.
    /// </summary>
    public static IReadOnlyList<MetricFamily> ForScrape(IEnumerable<MetricGroup> groups, IEnumerable<MetricFamily>? ownFamilies = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return MergeAndSort(Collect(groups, ownFamilies ?? []));

        static IEnumerable<MetricFamily> Collect(IEnumerable<MetricGroup> groups, IEnumerable<MetricFamily> own)
        {
            foreach (var family in own)
            {
                yield return family;
            }
            foreach (var group in groups)
            {
                foreach (var pushed in group.Families)
                {
                    if (!TimestampGauges.IsTimestampGaugeName(pushed.Name))
                    {
                        yield return pushed.Family;
                    }
                }
                foreach (var gauge in TimestampGauges.For(group))
                {
                    yield return gauge;
                }
            }
        }
    }

    /// <summary>The merged family's name, type, help and unit: those of the first family of that name the scrape met; no series yet.</summary>
    internal static MetricFamily Header(MetricFamily first)
    {
        var merged = new MetricFamily { Name = first.Name, Type = first.Type };
        if (first.HasHelp)
        {
            merged.Help = first.Help;
        }
        if (first.HasUnit)
        {
            merged.Unit = first.Unit;
        }
        return merged;
    }
}
