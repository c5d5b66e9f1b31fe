using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Otlp;
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
public readonly record struct PushOutcome(Rejection? Rejection)
{
    public bool Accepted => Rejection is null;
}

/// <summary>
/// PUT, POST and DELETE of groups. A push is checked on its own, then against only the groups it
/// could clash with (the groups that share its metric names, through <see cref="IMetricTypeIndex"/>
/// and <see cref="MetricTypeCheck"/>, and the groups that differ from it only by <c>instance</c>),
/// then written atomically with a <see cref="GroupPermit"/>. Nothing is stored for a rejected push
/// except its index rows and the failure time of a group that already exists.
/// </summary>
public sealed class PushService
{
    public const string RejectionPrefix = "pushed metrics are invalid or inconsistent with existing metrics: ";

    // A write refused for a revoked permit is retried with a new one; a revocation is rare (a push of
    // another type found this group without the family), so a few attempts suffice.
    private const int MaxAttempts = 8;

    private readonly IGroupStore _store;
    private readonly IOptions<GatewayOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PushService> _logger;
    private readonly MetricTypeCheck _typeCheck;
    // Names this instance registered, per group and permit, so steady-state pushes skip the index.
    private readonly RegisteredNames _registered = new();

    public PushService(IGroupStore store, IMetricTypeIndex typeIndex, IOptions<GatewayOptions> options, TimeProvider time, ILogger<PushService> logger)
    {
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
        _typeCheck = new MetricTypeCheck(store, typeIndex, time, logger, options.Value.MaxStorageCallsPerRequest);
    }

    /// <param name="ttl">The push's own TTL (the <c>X-ServerlessPush-TTL</c> header), already checked against the maximum; null = the default.</param>
    public Task<PushOutcome> PushAsync(GroupingKey key, List<MetricFamily> families, PushMode mode, TimeSpan? ttl = null, CancellationToken cancellationToken = default) =>
        PushAsync(key, families, mode, ttl, deltaFamilies: null, cancellationToken);

    /// <param name="deltaFamilies">Families whose values are added to the stored ones (OTLP delta points, <see cref="SumDeltas"/>).</param>
    public async Task<PushOutcome> PushAsync(GroupingKey key, List<MetricFamily> families, PushMode mode, TimeSpan? ttl, IReadOnlySet<string>? deltaFamilies, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var error = PushValidator.ValidateAndSanitise(key, families, _options.Value.EnableUtf8Names);
        if (error is not null)
        {
            return await RejectAsync(key, now, error, cancellationToken).ConfigureAwait(false);
        }
        var pushed = families.Select(f => new PushedFamily(f, now)).ToList();
        var defaultTtl = _options.Value.GroupTtl is { } d && d > TimeSpan.Zero ? d : (TimeSpan?)null;
        GroupMutation Write(IReadOnlyList<PushedFamily> written) => mode == PushMode.Replace
            ? new ReplaceFamilies(written, now, ttl ?? defaultTtl)
            : new MergeFamilies(written, now, ttl, defaultTtl);
        var mutation = deltaFamilies is { Count: > 0 } ? new SumDeltas(pushed, deltaFamilies, now, Write) : Write(pushed);

        var siblingCheck = CheckSiblingDuplicatesAsync(key, families, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var (permit, unregistered) = _registered.Lookup(key, families);
            // The permit must exist before the rows are registered: that order is what lets a reader
            // that revoked it prove a row stale.
            // (Shared by concurrent first pushes, so not cancelled with this request, which only stops waiting.)
            permit ??= await _registered.AcquireAsync(key, (k, revoked) => _store.AcquirePermitAsync(k, revoked, CancellationToken.None), cancellationToken).ConfigureAwait(false);
            var typeError = unregistered.Count == 0
                ? null
                : await _typeCheck.RegisterAndCheckAsync(key, unregistered, cancellationToken).ConfigureAwait(false);
            error = await siblingCheck.ConfigureAwait(false) ?? typeError;
            if (error is not null)
            {
                return await RejectAsync(key, now, error, cancellationToken).ConfigureAwait(false);
            }
            try
            {
                await _store.WriteAsync(key, mutation, permit, cancellationToken).ConfigureAwait(false);
                _registered.Add(permit, unregistered.Select(f => (f.Name, f.Type)));
                return new PushOutcome(null);
            }
            catch (PermitRevokedException e)
            {
                // Another push found this group without one of its names and revoked the permit:
                // register the names again (under a new permit) and check them again.
                _registered.Forget(e.Permit);
                if (attempt >= MaxAttempts)
                {
                    throw new StorageUnavailableException($"Group {key} kept losing its write permit to concurrent pushes; try again.", e);
                }
                _logger.LogDebug("Push to {Group}: write permit revoked, attempt {Attempt}", key, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 20 * attempt)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<PushOutcome> RejectAsync(GroupingKey key, DateTimeOffset now, string error, CancellationToken cancellationToken)
    {
        // Logged once, with the answer, where the HTTP layer writes it.
        var reason = RejectionPrefix + error;
        await _store.RecordFailureAsync(key, now, FailureReason.Bound(reason), cancellationToken).ConfigureAwait(false);
        return new PushOutcome(Rejection.BadRequest(reason, RejectionReason.Consistency));
    }

    public Task DeleteAsync(GroupingKey key, CancellationToken cancellationToken = default) =>
        _store.DeleteAsync(key, cancellationToken);

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
            // The distinct values first: a key is built per instance value, not per series.
            var instances = new HashSet<string>(StringComparer.Ordinal);
            foreach (var family in families)
            {
                foreach (var metric in family.Metric)
                {
                    instances.Add(InstanceOf(metric));
                }
            }
            foreach (var instance in instances)
            {
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

    private static string InstanceOf(Metric metric)
    {
        foreach (var label in metric.Label)
        {
            if (label.Name == GroupingKey.InstanceLabel)
            {
                return label.Value;
            }
        }
        return string.Empty;
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

    /// <summary>A group as pushes must see it: an expired group is gone, even before the sweep deletes it.</summary>
    private async Task<MetricGroup?> GetLiveAsync(GroupingKey key, CancellationToken cancellationToken)
    {
        var group = await _store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        return group is null || group.IsExpiredAt(_time.GetUtcNow()) ? null : group;
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
        new() { MaxDegreeOfParallelism = _options.Value.MaxStorageCallsPerRequest, CancellationToken = cancellationToken };
}
