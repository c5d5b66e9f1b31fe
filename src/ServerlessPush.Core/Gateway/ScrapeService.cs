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
    private readonly ScrapeRenderCache _renders = new();

    /// <summary>Groups rendered since start (tests: which were reused).</summary>
    internal long GroupsRendered => Interlocked.Read(ref _renders.GroupsRendered);

    /// <summary>
    /// The scrape of <paramref name="selection"/> as <paramref name="variant"/> writes it: the same bytes as
    /// <see cref="CollectAsync(GroupSelection, CancellationToken)"/> transformed and written by <see cref="ScrapeWriter"/>,
    /// but from lines rendered once per group (<see cref="ScrapeRenderCache"/>): a group the view still holds
    /// unchanged is not rendered again, and when no group changed the last merge is written again.
    /// </summary>
    public async Task<RenderedScrape> RenderAsync(GroupSelection selection, ScrapeVariant variant, CancellationToken cancellationToken = default)
    {
        if (!variant.IsCached)
        {
            return new RenderedScrape(variant, await CollectAsync(selection, cancellationToken).ConfigureAwait(false));
        }
        var now = time.GetUtcNow();
        var served = new List<(MetricGroup Group, GroupLife Life)>();
        await foreach (var group in ReadSelectedAsync(selection, cancellationToken).ConfigureAwait(false))
        {
            var life = _stale.LifeOf(group, now);
            if (life != GroupLife.Gone)
            {
                served.Add((group, life));
            }
        }
        var groups = served.ToArray();
        var plan = selection.IsEverything ? _renders.FindPlan(variant, groups) : null;
        if (plan is null)
        {
            plan = Plan(variant, groups);
            if (selection.IsEverything)
            {
                _renders.KeepPlan(plan);
            }
        }
        var own = options.Value.Scrape.SelfMetrics ? SelfMetrics.For(groups.Length) : [];
        if (own.Length > 0 && plan.Families.Any(f => own.Any(o => o.Name == f.Name)))
        {
            // A group pushed a family named like one of the gateway's own: the merge of the two is the plain path's.
            return new RenderedScrape(variant, await CollectAsync(selection, cancellationToken).ConfigureAwait(false));
        }
        GatewayTelemetry.RecordScrapeView(groups.Length, plan.SeriesCount + own.Sum(f => (long)f.Metric.Count));
        return new RenderedScrape(plan, [.. own.Select(variant.Transform)]);
    }

    /// <summary>
    /// <see cref="CollectAsync(GroupSelection, CancellationToken)"/>'s merge over rendered lines: the same type check
    /// and duplicate check in group order, the same merge by name (first family's HELP, TYPE, UNIT), the same
    /// stable series sort and name order.
    /// </summary>
    private ScrapePlan Plan(ScrapeVariant variant, (MetricGroup Group, GroupLife Life)[] groups)
    {
        var types = new Dictionary<string, MetricType>(StringComparer.Ordinal);
        var seen = new HashSet<SeriesIdentity>();
        var byName = new Dictionary<string, (MetricFamily First, List<(Metric Metric, ScrapeSegment Lines)> Series)>(StringComparer.Ordinal);
        foreach (var (group, life) in groups)
        {
            foreach (var rendered in _renders.GetOrRender(group, life, variant, Scraped))
            {
                var family = rendered.Family;
                var admitted = Admit(family, group, types, seen);
                if (admitted is null)
                {
                    continue;
                }
                if (!byName.TryGetValue(family.Name, out var entry))
                {
                    entry = (family, new List<(Metric, ScrapeSegment)>(family.Metric.Count));
                    byName.Add(family.Name, entry);
                }
                foreach (var i in admitted)
                {
                    entry.Series.Add((family.Metric[i], rendered.Series(i)));
                }
            }
        }
        var families = new List<PlannedFamily>(byName.Count);
        long count = 0;
        foreach (var (first, series) in byName.Values)
        {
            if (series.Count == 0)
            {
                continue;
            }
            var merged = FamilyMerger.Header(first);
            var header = new System.Buffers.ArrayBufferWriter<byte>(128);
            ScrapeRenderCache.WriteHeader(header, variant.Format, variant.Transform(merged));
            var ordered = series.Select((s, i) => (s.Metric, s.Lines, i)).ToArray();
            Array.Sort(ordered, static (a, b) =>
            {
                var c = MetricSorter.Instance.Compare(a.Metric, b.Metric);
                return c != 0 ? c : a.i.CompareTo(b.i);
            });
            families.Add(new PlannedFamily(first.Name, header.WrittenSpan.ToArray(), [.. ordered.Select(s => s.Lines)]));
            count += ordered.Length;
        }
        families.Sort(static (a, b) => Utf8Ordinal.Instance.Compare(a.Name, b.Name));
        return new ScrapePlan(variant, groups, [.. families], count);
    }

    private IEnumerable<MetricFamily> Scraped(MetricGroup group, GroupLife life) =>
        life == GroupLife.Stale ? GatewayGauges(group) : group.Families.Select(f => f.Family).Concat(GatewayGauges(group));

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
                if (Admit(family, group, types, seen) is not { } admitted)
                {
                    continue;
                }
                if (admitted.Count == family.Metric.Count)
                {
                    families.Add(family);
                    continue;
                }
                var copy = FamilyMerger.Header(family);
                copy.Metric.AddRange(admitted.Select(i => family.Metric[i]));
                families.Add(copy);
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

    /// <summary>
    /// The scrape's one rule for stored data that slipped past the push checks (a race), for the plain
    /// merge and the cached one alike, in group order: a family whose name another group holds with
    /// another type is skipped (null); otherwise the indexes of its series not already served.
    /// </summary>
    private List<int>? Admit(MetricFamily family, MetricGroup group, Dictionary<string, MetricType> types, HashSet<SeriesIdentity> seen)
    {
        if (types.TryGetValue(family.Name, out var type) && type != family.Type)
        {
            logger.LogWarning("Scrape skips {Family} of group {Group}: it is a {Type}, elsewhere a {Other}", family.Name, group.Key, family.Type, type);
            return null;
        }
        types[family.Name] = family.Type;
        var admitted = new List<int>(family.Metric.Count);
        for (var i = 0; i < family.Metric.Count; i++)
        {
            if (seen.Add(new SeriesIdentity(family.Name, family.Metric[i])))
            {
                admitted.Add(i);
            }
            else
            {
                logger.LogWarning("Scrape skips a duplicate series of {Family} in group {Group}", family.Name, group.Key);
            }
        }
        return admitted;
    }
}
