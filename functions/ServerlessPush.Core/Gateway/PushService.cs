using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Core.Gateway;

public enum PushMode
{
    /// <summary>PUT: replace the group.</summary>
    Replace,
    /// <summary>POST: replace only the pushed families.</summary>
    Merge,
}

/// <summary>The answer to a push: accepted, or rejected with the reference's 400 message.</summary>
public readonly record struct PushOutcome(string? Error)
{
    public bool Accepted => Error is null;
}

/// <summary>
/// PUT, POST and DELETE of groups. A push is checked on its own, then against only the groups it
/// could clash with (the groups that share its metric names, through <see cref="IMetricTypeIndex"/>,
/// and the groups that differ from it only by <c>instance</c>), then written atomically.
/// Nothing is stored for a rejected push except the failure time of a group that already exists.
/// </summary>
public sealed class PushService(IGroupStore store, IMetricTypeIndex typeIndex, IOptions<GatewayOptions> options, TimeProvider time, ILogger<PushService> logger)
{
    public const string RejectionPrefix = "pushed metrics are invalid or inconsistent with existing metrics: ";

    // Index rows this instance has written, so steady-state pushes skip the index. Another instance
    // may remove a row it found stale (its group was deleted) while this one still trusts it, so
    // entries live one minute: that bounds the window in which a scaled-out gateway can let a type
    // clash in (the scrape then drops the later type with a warning, it never fails). The map is
    // cleared when full; a missing entry only costs one more registration.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _registered = new(StringComparer.Ordinal);
    private const int RegisteredCacheLimit = 200_000;
    private static readonly TimeSpan RegisteredCacheLifetime = TimeSpan.FromMinutes(1);

    /// <param name="ttl">The push's own TTL (the <c>X-ServerlessPush-TTL</c> header), already checked against the maximum; null = the default.</param>
    public async Task<PushOutcome> PushAsync(GroupingKey key, List<MetricFamily> families, PushMode mode, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var error = PushValidator.ValidateAndSanitise(key, families)
            ?? await CheckAgainstOtherGroupsAsync(key, families, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            logger.LogInformation("Push to {Group} rejected: {Reason}", key, error);
            await store.RecordFailureAsync(key, now, cancellationToken).ConfigureAwait(false);
            return new PushOutcome(RejectionPrefix + error);
        }

        var pushed = families.Select(f => new PushedFamily(f, now)).ToList();
        var defaultTtl = options.Value.GroupTtl is { } d && d > TimeSpan.Zero ? d : (TimeSpan?)null;
        GroupMutation mutation = mode == PushMode.Replace
            ? new ReplaceFamilies(pushed, now, ttl ?? defaultTtl)
            : new MergeFamilies(pushed, now, ttl, defaultTtl);
        await store.WriteAsync(key, mutation, cancellationToken).ConfigureAwait(false);
        return new PushOutcome(null);
    }

    public Task DeleteAsync(GroupingKey key, CancellationToken cancellationToken = default) =>
        store.DeleteAsync(key, cancellationToken);

    /// <summary>Deletes every group of a job, whatever its other labels; returns how many.</summary>
    public async Task<int> DeleteJobAsync(string job, CancellationToken cancellationToken = default)
    {
        var keys = new List<GroupingKey>();
        await foreach (var key in store.ListKeysOfJobAsync(job, cancellationToken).ConfigureAwait(false))
        {
            keys.Add(key);
        }
        return await DeleteAllAsync(keys, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes every group (the admin wipe); returns how many there were.</summary>
    public async Task<int> WipeAsync(CancellationToken cancellationToken = default)
    {
        var keys = new List<GroupingKey>();
        await foreach (var key in store.ListKeysAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(key);
        }
        return await DeleteAllAsync(keys, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> DeleteAllAsync(List<GroupingKey> keys, CancellationToken cancellationToken)
    {
        var deleted = 0;
        await Parallel.ForEachAsync(keys, Bounded(cancellationToken), async (key, ct) =>
        {
            await store.DeleteAsync(key, ct).ConfigureAwait(false);
            Interlocked.Increment(ref deleted);
        }).ConfigureAwait(false);
        return deleted;
    }

    private async Task<string?> CheckAgainstOtherGroupsAsync(GroupingKey key, List<MetricFamily> families, CancellationToken cancellationToken)
    {
        var siblingCheck = CheckSiblingDuplicatesAsync(key, families, cancellationToken);
        var typeCheck = CheckTypesAsync(key, families, cancellationToken);
        var results = await Task.WhenAll(siblingCheck, typeCheck).ConfigureAwait(false);
        return results[0] ?? results[1];
    }

    /// <summary>
    /// Series of this push can only equal series of another group whose key differs by labels the
    /// body supplies; the case clients hit is <c>instance</c> (<c>{job}</c> vs <c>{job,instance=""}</c>),
    /// the one that poisons the reference. Those sibling groups are read and compared.
    /// </summary>
    private async Task<string?> CheckSiblingDuplicatesAsync(GroupingKey key, List<MetricFamily> families, CancellationToken cancellationToken)
    {
        var siblings = new HashSet<GroupingKey>();
        if (key.Has(GroupingKey.InstanceLabel))
        {
            siblings.Add(key.With(GroupingKey.InstanceLabel, null));
        }
        else
        {
            foreach (var metric in families.SelectMany(f => f.Metric))
            {
                var instance = metric.Label.FirstOrDefault(l => l.Name == GroupingKey.InstanceLabel)?.Value ?? string.Empty;
                siblings.Add(key.With(GroupingKey.InstanceLabel, instance));
            }
        }
        if (siblings.Count == 0)
        {
            return null;
        }

        var groups = await BoundedAllAsync(siblings.ToList(), (s, ct) => GetLiveAsync(s, ct), cancellationToken).ConfigureAwait(false);
        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            if (group is null)
            {
                continue;
            }
            foreach (var family in group.Families)
            {
                foreach (var metric in family.Family.Metric)
                {
                    existing.Add(PushValidator.SeriesSignature(family.Name, metric));
                }
            }
            existing.UnionWith(TimestampSeries(group.Key));
        }
        if (existing.Count == 0)
        {
            return null;
        }
        foreach (var family in families)
        {
            foreach (var metric in family.Metric)
            {
                if (existing.Contains(PushValidator.SeriesSignature(family.Name, metric)))
                {
                    return $"{PushValidator.Describe(family.Name, metric)} was collected before with the same name and label values";
                }
            }
        }
        // This group's own push_time_seconds series would equal a sibling's too.
        var own = TimestampSeries(key);
        return own.Any(existing.Contains)
            ? $"collected metric \"{TimestampGauges.PushTimeName}\" {key} was collected before with the same name and label values"
            : null;
    }

    private static IEnumerable<string> TimestampSeries(GroupingKey key)
    {
        var labels = key.Labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);
        labels.TryAdd(GroupingKey.InstanceLabel, string.Empty);
        var metric = new Metric();
        foreach (var (name, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            metric.Label.Add(new LabelPair { Name = name, Value = value });
        }
        yield return PushValidator.SeriesSignature(TimestampGauges.PushTimeName, metric);
        yield return PushValidator.SeriesSignature(TimestampGauges.PushFailureTimeName, metric);
    }

    /// <summary>
    /// A name may have one type across all groups, and a summary or histogram <c>x</c> may not meet an
    /// <c>x_count</c>, <c>x_sum</c> or <c>x_bucket</c> elsewhere. Rows are registered first, then looked
    /// up, so of two racing pushes at least one sees the other. Rows already known to this instance
    /// skip both steps: any later conflicting push sees them and is the one rejected.
    /// </summary>
    private async Task<string?> CheckTypesAsync(GroupingKey key, List<MetricFamily> families, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var fresh = families
            .Where(f => !(_registered.TryGetValue(CacheKey(key, f.Name, f.Type), out var at) && now - at < RegisteredCacheLifetime))
            .ToList();
        if (fresh.Count == 0)
        {
            return null;
        }
        await typeIndex.RegisterAsync(key, fresh.Select(f => (f.Name, f.Type)).ToList(), cancellationToken).ConfigureAwait(false);

        var errors = await BoundedAllAsync(fresh, (f, ct) => CheckFamilyAsync(key, f, ct), cancellationToken).ConfigureAwait(false);
        var error = errors.FirstOrDefault(e => e is not null);
        if (error is not null)
        {
            // The rows just written stay: the group may hold some of these families already, and a
            // row it does not back is verified and removed by whichever push trips over it.
            return error;
        }
        if (_registered.Count > RegisteredCacheLimit)
        {
            _registered.Clear();
        }
        foreach (var family in fresh)
        {
            _registered[CacheKey(key, family.Name, family.Type)] = now;
        }
        return null;
    }

    private async Task<string?> CheckFamilyAsync(GroupingKey key, MetricFamily family, CancellationToken cancellationToken)
    {
        var conflict = await FindLiveConflictAsync(key, family.Name, family.Type, null, cancellationToken).ConfigureAwait(false);
        if (conflict is not null)
        {
            var metric = family.Metric.FirstOrDefault() ?? new Metric();
            return $"{PushValidator.Describe(family.Name, metric)} is not a {PushValidator.TypeName(conflict.Type)}";
        }
        foreach (var (other, types) in PushValidator.SuffixClashCandidates(family))
        {
            var clash = await FindLiveConflictAsync(key, other, null, types, cancellationToken).ConfigureAwait(false);
            if (clash is not null)
            {
                var (summaryName, kind) = types.Length == 6 ? (family.Name, family.Type) : (other, clash.Type);
                var collidingName = types.Length == 6 ? other : family.Name;
                return $"collected metric named {GroupingPathParser.GoQuote(collidingName)} collides with previously collected {PushValidator.TypeName(kind).ToLowerInvariant()} named {GroupingPathParser.GoQuote(summaryName)}";
            }
        }
        return null;
    }

    /// <summary>A row for <paramref name="name"/> in another group with a clashing type, confirmed by reading that group.</summary>
    private async Task<TypeRegistration?> FindLiveConflictAsync(GroupingKey key, string name, MetricType? ownType, MetricType[]? clashingTypes, CancellationToken cancellationToken)
    {
        while (true)
        {
            var rows = await typeIndex.FindAsync(name, key, ownType, 8, cancellationToken).ConfigureAwait(false);
            rows = rows.Where(r => clashingTypes is null || clashingTypes.Contains(r.Type)).ToList();
            if (rows.Count == 0)
            {
                return null;
            }
            var staleFound = false;
            foreach (var row in rows)
            {
                var group = await GetLiveAsync(row.Group, cancellationToken).ConfigureAwait(false);
                if (group is not null && group.Families.Any(f => f.Name == name && f.Family.Type == row.Type))
                {
                    return row;
                }
                logger.LogDebug("Removing stale index row {Name} {Type} {Group}", name, row.Type, row.Group);
                await typeIndex.RemoveAsync(row, cancellationToken).ConfigureAwait(false);
                // The cache may no longer skip the check for that group: a family that conflicts with
                // it may now be stored (this very push, if accepted).
                _registered.TryRemove(CacheKey(row.Group, name, row.Type), out _);
                staleFound = true;
            }
            if (!staleFound)
            {
                return null;
            }
        }
    }

    /// <summary>A group as pushes must see it: an expired group is gone, even before the sweep deletes it.</summary>
    private async Task<MetricGroup?> GetLiveAsync(GroupingKey key, CancellationToken cancellationToken)
    {
        var group = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        return group is null || group.IsExpiredAt(time.GetUtcNow()) ? null : group;
    }

    /// <summary>
    /// Like <c>Task.WhenAll</c> over <paramref name="items"/>, with at most
    /// <see cref="GatewayOptions.MaxStorageCallsPerRequest"/> running at once, so that one push with many
    /// names or instances cannot flood storage (results in the order of the items).
    /// </summary>
    private async Task<TResult[]> BoundedAllAsync<TItem, TResult>(IReadOnlyList<TItem> items, Func<TItem, CancellationToken, Task<TResult>> run, CancellationToken cancellationToken)
    {
        var results = new TResult[items.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), Bounded(cancellationToken), async (i, ct) =>
            results[i] = await run(items[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        return results;
    }

    private ParallelOptions Bounded(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = options.Value.MaxStorageCallsPerRequest, CancellationToken = cancellationToken };

    private static string CacheKey(GroupingKey key, string name, MetricType type) => $"{name}\u00FF{(int)type}\u00FF{key.Canonical}";
}
