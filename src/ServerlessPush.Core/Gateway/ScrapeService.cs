using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Selectors;
using ServerlessPush.Core.Storage;
using ServerlessPush.Core.Telemetry;

namespace ServerlessPush.Core.Gateway;

/// <summary>
/// What Prometheus scrapes: every live group's families plus its two timestamp gauges, merged by
/// name and sorted as the reference does. Unlike the reference, stored data that would make the
/// whole scrape fail (a type clash or a duplicate series that slipped in through a race) costs only
/// the offending family or series, with a warning, never a 500 for everyone. A stale group
/// (<see cref="StalePolicy"/>) is scraped as its timestamp gauges only, so alerts see how old it is.
/// </summary>
public sealed class ScrapeService(IGroupStore store, IOptions<GatewayOptions> options, TimeProvider time, ILogger<ScrapeService> logger)
{
    private readonly StalePolicy _stale = new(options);

    public Task<IReadOnlyList<MetricFamily>> CollectAsync(CancellationToken cancellationToken = default) =>
        CollectAsync(GroupSelection.Everything, cancellationToken);

    /// <summary>The scrape of the groups <paramref name="selection"/> matches (<c>match[]</c>, a scoped key).</summary>
    public async Task<IReadOnlyList<MetricFamily>> CollectAsync(GroupSelection selection, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var types = new Dictionary<string, MetricType>(StringComparer.Ordinal);
        var seen = new HashSet<SeriesIdentity>();
        var families = new List<MetricFamily>();
        var groups = 0;
        await foreach (var group in ReadSelectedAsync(selection, cancellationToken).ConfigureAwait(false))
        {
            var life = _stale.LifeOf(group, now);
            if (life == GroupLife.Gone)
            {
                continue;
            }
            groups++;
            var scraped = life == GroupLife.Stale ? GatewayGauges(group) : group.Families.Select(f => f.Family).Concat(GatewayGauges(group));
            foreach (var family in scraped)
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
        if (options.Value.Scrape.SelfMetrics)
        {
            families.AddRange(SelfMetrics.For(groups));
        }
        var merged = FamilyMerger.MergeAndSort(families);
        GatewayTelemetry.RecordScrapeView(groups, merged.Sum(f => (long)f.Metric.Count));
        return merged;
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

    /// <summary>Live and stale groups (these with <see cref="MetricGroup.StaleUntil"/>), in grouping-key order (the API and the web page).</summary>
    public Task<List<MetricGroup>> ListGroupsAsync(CancellationToken cancellationToken = default) =>
        ListGroupsAsync(GroupSelection.Everything, cancellationToken);

    /// <summary>Live and stale groups that <paramref name="selection"/> matches, in grouping-key order.</summary>
    public async Task<List<MetricGroup>> ListGroupsAsync(GroupSelection selection, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var groups = new List<MetricGroup>();
        await foreach (var group in ReadSelectedAsync(selection, cancellationToken).ConfigureAwait(false))
        {
            switch (_stale.LifeOf(group, now))
            {
                case GroupLife.Live:
                    groups.Add(group);
                    break;
                case GroupLife.Stale:
                    groups.Add(group with { StaleUntil = group.ExpiresAt + _stale.KeepFor(group.Key.Job) });
                    break;
            }
        }
        groups.Sort((a, b) => GroupingKey.ReferenceOrder.Compare(a.Key, b.Key));
        return groups;
    }

    /// <summary>
    /// The groups a selection matches. When it names its jobs (<see cref="GroupSelection.ExactJobs"/>)
    /// only those jobs' key ranges are listed and only the matching groups read, so the cost follows
    /// the matching groups; otherwise every group is read and filtered by its key.
    /// </summary>
    public async IAsyncEnumerable<MetricGroup> ReadSelectedAsync(GroupSelection selection, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (selection.IsEverything)
        {
            await foreach (var group in store.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return group;
            }
            yield break;
        }
        if (selection.ExactJobs is not { } jobs)
        {
            await foreach (var group in store.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (selection.Matches(group.Key))
                {
                    yield return group;
                }
            }
            yield break;
        }
        var keys = new List<GroupingKey>();
        foreach (var job in jobs.Order(StringComparer.Ordinal))
        {
            await foreach (var key in store.ListKeysOfJobAsync(job, cancellationToken).ConfigureAwait(false))
            {
                if (selection.Matches(key))
                {
                    keys.Add(key);
                }
            }
        }
        var read = new MetricGroup?[keys.Count];
        var bounded = new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxStorageCallsPerRequest, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, keys.Count), bounded, async (i, ct) =>
            read[i] = await store.GetAsync(keys[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        foreach (var group in read)
        {
            if (group is not null)
            {
                yield return group;
            }
        }
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
