using System.Collections.Concurrent;
using System.Collections.Immutable;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Core.Gateway;

/// <summary>
/// What this instance knows it registered in the metric-name index, per group: the permit its pushes
/// write with, and the names registered while that permit existed. Such names need no registration
/// or check again for as long as the permit is not revoked, which the write itself checks, so no
/// time limit is needed. Losing an entry (the map is cleared when full) only costs one registration.
/// </summary>
internal sealed class RegisteredNames
{
    private const int Limit = 200_000;

    private sealed record Entry(GroupPermit Permit, ImmutableHashSet<(string Name, MetricType Type)> Names);

    private readonly ConcurrentDictionary<GroupingKey, Entry> _entries = new();
    private readonly ConcurrentDictionary<GroupingKey, Lazy<Task<GroupPermit>>> _acquiring = new();
    // Per group, the last permit this instance saw revoked, until a write lands under another one. The
    // store may still point at it (a head names the permit it was written with, and a revocation does
    // not touch the head), so every acquisition for the group is told, whichever push starts it.
    private readonly ConcurrentDictionary<GroupingKey, GroupPermit> _revoked = new();

    /// <summary>The permit known for the group (null: none yet), and the families not registered under it.</summary>
    public (GroupPermit? Permit, List<MetricFamily> Unregistered) Lookup(GroupingKey key, IEnumerable<MetricFamily> families)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return (null, families.ToList());
        }
        return (entry.Permit, families.Where(f => !entry.Names.Contains((f.Name, f.Type))).ToList());
    }

    /// <summary>
    /// Acquires a permit for the group, once for all of this instance's concurrent first pushes to it
    /// (else each would create a permit row of its own), and records it with no names yet. The
    /// acquisition is not cancelled when one waiter gives up (it is the others' too; the SDK's retries
    /// bound it), but each waiter stops waiting at its own <paramref name="cancellationToken"/>.
    /// <paramref name="acquire"/> gets the permit this instance last saw revoked for the group, if any.
    /// </summary>
    public Task<GroupPermit> AcquireAsync(GroupingKey key, Func<GroupingKey, GroupPermit?, Task<GroupPermit>> acquire, CancellationToken cancellationToken)
    {
        var acquiring = _acquiring.GetOrAdd(key, k =>
        {
            Lazy<Task<GroupPermit>>? shared = null;
            shared = new Lazy<Task<GroupPermit>>(() => AcquireSharedAsync(k, acquire, shared!));
            return shared;
        });
        return acquiring.Value.WaitAsync(cancellationToken);
    }

    private async Task<GroupPermit> AcquireSharedAsync(GroupingKey key, Func<GroupingKey, GroupPermit?, Task<GroupPermit>> acquire, Lazy<Task<GroupPermit>> shared)
    {
        try
        {
            var permit = await acquire(key, _revoked.GetValueOrDefault(key)).ConfigureAwait(false);
            // A permit revoked while it was being acquired is not remembered: its write will fail.
            if (!_revoked.TryGetValue(key, out var revoked) || revoked != permit)
            {
                _entries.TryAdd(key, new Entry(permit, []));
            }
            return permit;
        }
        finally
        {
            // Removed when the acquisition ends, not when a waiter leaves: a push arriving meanwhile joins it.
            _acquiring.TryRemove(KeyValuePair.Create(key, shared));
        }
    }

    /// <summary>Records names registered under <paramref name="permit"/> and written with it.</summary>
    public void Add(GroupPermit permit, IEnumerable<(string Name, MetricType Type)> names)
    {
        if (_entries.Count > Limit)
        {
            _entries.Clear();
        }
        if (_revoked.Count > Limit)
        {
            _revoked.Clear();
        }
        // A write landed under this permit, so the group's head names it now, not the revoked one.
        if (_revoked.TryGetValue(permit.Group, out var revoked) && revoked != permit)
        {
            _revoked.TryRemove(KeyValuePair.Create(permit.Group, revoked));
        }
        var added = names.ToImmutableHashSet();
        _entries.AddOrUpdate(
            permit.Group,
            _ => new Entry(permit, added),
            // Another permit recorded meanwhile (this one may since have been revoked): keep that one.
            (_, entry) => entry.Permit == permit ? entry with { Names = entry.Names.Union(added) } : entry);
    }

    /// <summary>The permit was revoked: nothing registered under it counts any more.</summary>
    public void Forget(GroupPermit permit)
    {
        _revoked[permit.Group] = permit;
        if (_entries.TryGetValue(permit.Group, out var entry) && entry.Permit == permit)
        {
            _entries.TryRemove(KeyValuePair.Create(permit.Group, entry));
        }
    }
}
