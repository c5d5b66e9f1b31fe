using Microsoft.Extensions.Logging;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Core.Gateway;

/// <summary>
/// A name may have one type across all groups, and a summary or histogram <c>x</c> may not meet an
/// <c>x_count</c>, <c>x_sum</c> or <c>x_bucket</c> elsewhere. The push's rows are registered first
/// (while the push holds a <see cref="GroupPermit"/>), then the other groups' rows are looked up, so
/// of two racing pushes at least one sees the other. A row whose group does not hold its family is
/// removed only with proof that no write can still add it (docs/consistency.md): the group's permits
/// are revoked, the group read again, and the row deleted only if it was not registered again since it was read.
/// </summary>
/// <param name="maxConcurrency">Families checked at once (each check makes storage calls): one push with
/// many names must not flood storage.</param>
internal sealed class MetricTypeCheck(IGroupStore store, IMetricTypeIndex typeIndex, TimeProvider time, ILogger logger, int maxConcurrency)
{
    // Rounds in a row that remove nothing (every row read was registered again meanwhile) before giving up.
    private const int MaxFruitlessRounds = 16;

    // A group not yet written whose row was found may be a first push in flight. When it sorts first,
    // it gets this long to land before its permits are revoked: of two racing first pushes one then
    // completes instead of both retrying. Only liveness rests on these pauses; safety never does.
    private static readonly TimeSpan[] RivalPauses = [TimeSpan.FromMilliseconds(25), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(150)];

    /// <summary>Registers the families for the group, then checks them; the 400 reason, or null.</summary>
    public async Task<string?> RegisterAndCheckAsync(GroupingKey key, IReadOnlyList<MetricFamily> families, CancellationToken cancellationToken)
    {
        await typeIndex.RegisterAsync(key, families.Select(f => (f.Name, f.Type)).ToList(), cancellationToken).ConfigureAwait(false);
        // The rows just written stay even if the push is rejected: the group may hold some of these
        // families already, and a row it does not back is proved stale by whichever push trips over it.
        var errors = new string?[families.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, families.Count),
            new ParallelOptions { MaxDegreeOfParallelism = maxConcurrency, CancellationToken = cancellationToken },
            async (i, ct) => errors[i] = await CheckFamilyAsync(key, families[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        return errors.FirstOrDefault(e => e is not null);
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
        for (var fruitless = 0; fruitless < MaxFruitlessRounds;)
        {
            var rows = await typeIndex.FindAsync(name, key, ownType, 8, cancellationToken).ConfigureAwait(false);
            rows = rows.Where(r => clashingTypes is null || clashingTypes.Contains(r.Type)).ToList();
            if (rows.Count == 0)
            {
                return null;
            }
            var verdicts = await Task.WhenAll(rows.Select(r => IsLiveElseRemoveAsync(key, r, cancellationToken))).ConfigureAwait(false);
            var live = Array.IndexOf(verdicts, RowVerdict.Live);
            if (live >= 0)
            {
                return rows[live];
            }
            // Every row read was stale and is gone, or was registered again since: read the rows anew.
            fruitless = verdicts.Contains(RowVerdict.Removed) ? 0 : fruitless + 1;
        }
        throw new StorageUnavailableException($"The index rows of metric {name} kept changing; try again.");
    }

    private enum RowVerdict
    {
        /// <summary>The row's group holds the family: a conflict.</summary>
        Live,
        /// <summary>Proved stale and deleted.</summary>
        Removed,
        /// <summary>Proved stale at the version read, but registered again since: to be read again.</summary>
        RegisteredAgain,
    }

    /// <summary>Whether the row's group holds its family; if not, removes the row if it is provably stale.</summary>
    private async Task<RowVerdict> IsLiveElseRemoveAsync(GroupingKey key, TypeRegistration row, CancellationToken cancellationToken)
    {
        var state = await store.ReadStateAsync(row.Group, cancellationToken).ConfigureAwait(false);
        if (Holds(state, row))
        {
            return RowVerdict.Live;
        }
        if (state.Permits.Count > 0)
        {
            // A push may be between registering this row and writing the group.
            if (state.Group is null && string.CompareOrdinal(row.Group.Canonical, key.Canonical) < 0)
            {
                foreach (var pause in RivalPauses)
                {
                    await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                    state = await store.ReadStateAsync(row.Group, cancellationToken).ConfigureAwait(false);
                    if (Holds(state, row))
                    {
                        return RowVerdict.Live;
                    }
                    if (state.Permits.Count == 0)
                    {
                        break;
                    }
                }
            }
            if (state.Permits.Count > 0)
            {
                // From now on no write with these permits lands; a write that landed before shows in the re-read.
                await store.RevokePermitsAsync(state.Permits, cancellationToken).ConfigureAwait(false);
                state = await store.ReadStateAsync(row.Group, cancellationToken).ConfigureAwait(false);
                if (Holds(state, row))
                {
                    return RowVerdict.Live;
                }
            }
        }
        // Any write that could still add the family holds a permit taken after the state read above,
        // so it registers the row again after it was read, and this conditional delete then fails.
        var removed = await typeIndex.RemoveIfUnchangedAsync(row, cancellationToken).ConfigureAwait(false);
        logger.LogDebug("Stale index row {Name} {Type} {Group}: {Outcome}", row.Name, row.Type, row.Group, removed ? "removed" : "registered again, kept");
        return removed ? RowVerdict.Removed : RowVerdict.RegisteredAgain;
    }

    /// <summary>The group holds the row's family; an expired group holds nothing, even before the sweep deletes it.</summary>
    private bool Holds(GroupState state, TypeRegistration row) =>
        state.Group is { } group
        && !group.IsExpiredAt(time.GetUtcNow())
        && group.Families.Any(f => f.Name == row.Name && f.Family.Type == row.Type);
}
