using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Core.Storage;

/// <summary>
/// Durable home of the groups, shared by every gateway instance. What an implementation promises
/// (docs/consistency.md argues it for the Table Storage one):
/// <list type="bullet">
/// <item><b>Atomic groups.</b> One group is written atomically: a reader sees the whole old group or
/// the whole new one, never a mix, and a failed write leaves nothing of itself.</item>
/// <item><b>Read your acknowledged writes, everywhere.</b> A write (or delete) that returned before a
/// read began, on any instance, is seen by that read (<see cref="GetAsync"/>, <see cref="ReadStateAsync"/>,
/// <see cref="ReadAllAsync"/>) or a later one is; a group storage no longer has is not served. No
/// clock decides this.</item>
/// <item><b>Permits.</b> A write with a <see cref="GroupPermit"/> lands only while that permit exists;
/// a revoked permit never exists again. This is what the metric-name index's stale-row removal rests on.</item>
/// <item><b>Distinct keys, distinct groups.</b> Two grouping keys never share stored state; a write that
/// cannot be stored without touching another group's state is refused as unavailable.</item>
/// <item><b>Faults.</b> Anything storage or the way to it throws surfaces as
/// <see cref="StorageUnavailableException"/> (answered 503 with Retry-After); cancellation through the
/// caller's token surfaces as <see cref="OperationCanceledException"/>. Nothing else escapes for a
/// storage fault, so a caller never turns one into a 500 or a false success.</item>
/// <item><b>Expiry.</b> A group past its expiry (by the reading instance's clock) is not returned by
/// <see cref="ReadAllAsync"/>; the sweep (<see cref="ListExpiryCandidatesAsync"/>,
/// <see cref="DeleteIfExpiredAsync"/>) deletes it later without losing a renewal that raced it.</item>
/// </list>
/// Costs the push path relies on: <see cref="GetAsync"/> of a group that does not exist is one point
/// read; a blind <see cref="WriteAsync(GroupingKey, GroupMutation, GroupPermit, CancellationToken)"/> is one
/// storage transaction; <see cref="ReadAllAsync"/> on a warm instance reads only what changed since its last call.
/// </summary>
public interface IGroupStore
{
    /// <summary>One group as stored (with its failure time), or null if absent, deleted or a tombstone. Expired groups are returned; the caller decides.</summary>
    Task<MetricGroup?> GetAsync(GroupingKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a group, in the same storage transaction as a check that <paramref name="permit"/> still
    /// exists (else <see cref="PermitRevokedException"/>, nothing written). A <see cref="GroupMutation"/>
    /// that needs the current group gets it read with its version and is re-applied if another writer
    /// got there first (optimistic concurrency); one that does not is written blind (one round trip).
    /// The stored failure time is never changed here.
    /// </summary>
    Task WriteAsync(GroupingKey key, GroupMutation mutation, GroupPermit permit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a group without a permit: its names are not in the metric-name index, so pushes are not
    /// checked against it. Only for loading data outside the push path (benchmarks, tests).
    /// </summary>
    Task WriteAsync(GroupingKey key, GroupMutation mutation, CancellationToken cancellationToken = default);

    /// <summary>
    /// A permit on the group, taken before the push's names are registered: the one the group was last
    /// written with (joined; if it has been revoked since, the write fails with <see cref="PermitRevokedException"/>),
    /// else a new one. <paramref name="revoked"/>: a permit this push saw revoked; then an existing permit
    /// is joined only if it is known to exist now, else a new one is created.
    /// </summary>
    Task<GroupPermit> AcquirePermitAsync(GroupingKey key, GroupPermit? revoked = null, CancellationToken cancellationToken = default);

    /// <summary>The group (null if absent, deleted or a tombstone) and the permits that existed when it was read, in one read.</summary>
    Task<GroupState> ReadStateAsync(GroupingKey key, CancellationToken cancellationToken = default);

    /// <summary>Revokes permits for good: writes made with them fail from now on. Already revoked ones are ignored.</summary>
    Task RevokePermitsAsync(IReadOnlyCollection<GroupPermit> permits, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a rejected push on an existing group, with the reason the pusher was given (already
    /// bounded by <see cref="Gateway.FailureReason.Bound"/>); does nothing if the group does not exist.
    /// </summary>
    Task RecordFailureAsync(GroupingKey key, DateTimeOffset time, string reason, CancellationToken cancellationToken = default);

    /// <summary>Removes the group, if it exists.</summary>
    Task DeleteAsync(GroupingKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes these groups (those that exist), each as <see cref="DeleteAsync(GroupingKey, CancellationToken)"/>
    /// would, with fewer storage calls than one delete at a time; at most <paramref name="maxConcurrentCalls"/>
    /// storage calls in flight. Returns when every group is gone; a fault may leave some deleted and others not.
    /// </summary>
    Task DeleteManyAsync(IReadOnlyCollection<GroupingKey> keys, int maxConcurrentCalls, CancellationToken cancellationToken = default);

    /// <summary>The keys of every group, without their families.</summary>
    IAsyncEnumerable<GroupingKey> ListKeysAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Every live group, streamed in storage order: a snapshot taken after the call began, holding every
    /// write acknowledged before it. Expired groups are included until the sweep deletes them (the
    /// caller decides by its clock whether one is live, stale or gone). Concurrent calls may share one refresh.
    /// </summary>
    IAsyncEnumerable<MetricGroup> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Groups whose recorded expiry is at or before <paramref name="now"/>, from an index: the cost
    /// follows the number of due entries, not the number of stored groups.
    /// </summary>
    IAsyncEnumerable<ExpiryCandidate> ListExpiryCandidatesAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the candidate's group (and revokes its permits) if the group itself (not the index)
    /// says it expired by <paramref name="now"/>, conditionally on the version read, so a push renewing
    /// it meanwhile wins; else makes sure an entry exists for when it does expire. Then drops the
    /// candidate's entry unless it was written again since it was listed. True if the group was deleted here.
    /// </summary>
    Task<bool> DeleteIfExpiredAsync(ExpiryCandidate candidate, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The keys of every group of one job, read from that job's key range only.</summary>
    IAsyncEnumerable<GroupingKey> ListKeysOfJobAsync(string job, CancellationToken cancellationToken = default);

    /// <summary>Throws <see cref="StorageUnavailableException"/> unless storage answers.</summary>
    Task CheckAvailableAsync(CancellationToken cancellationToken = default);
}

/// <summary>A change to one group, computed from the current state when <see cref="NeedsCurrent"/>.</summary>
public abstract class GroupMutation
{
    public abstract bool NeedsCurrent { get; }

    /// <summary>The families, push time and expiry the group has after the change.</summary>
    public abstract GroupContent Apply(MetricGroup? current);
}

public sealed record GroupContent(IReadOnlyList<PushedFamily> Families, DateTimeOffset PushTime, TimeSpan? Ttl)
{
    public DateTimeOffset? ExpiresAt => Ttl is { } ttl ? PushTime + ttl : null;
}

/// <summary>A group that an expiry index says is due; the store checks the group itself before deleting.</summary>
public sealed record ExpiryCandidate(GroupingKey Key, DateTimeOffset ExpiresAt, string IndexEntry);
