using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Core.Gateway;

/// <summary>
/// What Prometheus scrapes: every live group's families plus its two timestamp gauges, merged by
/// name and sorted as the reference does. Unlike the reference, stored data that would make the
/// whole scrape fail (a type clash or a duplicate series that slipped in through a race) costs only
/// the offending family or series, with a warning, never a 500 for everyone.
/// </summary>
public sealed class ScrapeService(IGroupStore store, IOptions<GatewayOptions> options, TimeProvider time, ILogger<ScrapeService> logger)
{
    public async Task<IReadOnlyList<MetricFamily>> CollectAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var types = new Dictionary<string, MetricType>(StringComparer.Ordinal);
        var seen = new HashSet<SeriesIdentity>();
        var families = new List<MetricFamily>();
        await foreach (var group in store.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (group.IsExpiredAt(now))
            {
                continue;
            }
            foreach (var family in group.Families.Select(f => f.Family).Concat(GatewayGauges(group)))
            {
                if (types.TryGetValue(family.Name, out var type) && type != family.Type)
                {
                    logger.LogWarning("Scrape skips {Family} of group {Group}: it is a {Type}, elsewhere a {Other}", family.Name, group.Key, family.Type, type);
                    continue;
                }
                types[family.Name] = family.Type;
                families.Add(WithoutDuplicates(family, seen, group));
            }
        }
        return FamilyMerger.MergeAndSort(families);
    }

    private IEnumerable<MetricFamily> GatewayGauges(MetricGroup group)
    {
        foreach (var gauge in TimestampGauges.For(group))
        {
            yield return gauge;
        }
        if (options.Value.Expiry.ExposeGauge && group.ExpiresAt is { } expiresAt)
        {
            yield return TimestampGauges.ExpiryTime(group.Key, expiresAt);
        }
    }

    /// <summary>Live groups, in grouping-key order (the API and the web page).</summary>
    public async Task<List<MetricGroup>> ListGroupsAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var groups = new List<MetricGroup>();
        await foreach (var group in store.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!group.IsExpiredAt(now))
            {
                groups.Add(group);
            }
        }
        groups.Sort((a, b) => GroupingKey.ReferenceOrder.Compare(a.Key, b.Key));
        return groups;
    }

    private MetricFamily WithoutDuplicates(MetricFamily family, HashSet<SeriesIdentity> seen, MetricGroup group)
    {
        List<Metric>? kept = null;
        for (var i = 0; i < family.Metric.Count; i++)
        {
            var metric = family.Metric[i];
            if (seen.Add(new SeriesIdentity(family.Name, metric)))
            {
                kept?.Add(metric);
                continue;
            }
            logger.LogWarning("Scrape skips a duplicate series of {Family} in group {Group}", family.Name, group.Key);
            kept ??= family.Metric.Take(i).ToList();
        }
        if (kept is null)
        {
            return family;
        }
        var copy = new MetricFamily { Name = family.Name, Type = family.Type };
        if (family.HasHelp)
        {
            copy.Help = family.Help;
        }
        copy.Metric.AddRange(kept);
        return copy;
    }
}
