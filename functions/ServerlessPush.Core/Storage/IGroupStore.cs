using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Core.Storage;

/// <summary>
/// Durable home of the groups. One group is written atomically: a reader sees the whole old
/// group or the whole new one. Faults surface as <see cref="StorageUnavailableException"/>.
/// </summary>
public interface IGroupStore
{
    /// <summary>One group, or null.</summary>
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

    /// <summary>A permit on the group: one that exists (joined), else a new one. Taken before the push's names are registered.</summary>
    Task<GroupPermit> AcquirePermitAsync(GroupingKey key, CancellationToken cancellationToken = default);

    /// <summary>The group (null if absent, deleted or a tombstone) and the permits that existed when it was read, in one read.</summary>
    Task<GroupState> ReadStateAsync(GroupingKey key, CancellationToken cancellationToken = default);

    /// <summary>Revokes permits for good: writes made with them fail from now on. Already revoked ones are ignored.</summary>
    Task RevokePermitsAsync(IReadOnlyCollection<GroupPermit> permits, CancellationToken cancellationToken = default);

    /// <summary>Records a rejected push on an existing group; does nothing if the group does not exist.</summary>
    Task RecordFailureAsync(GroupingKey key, DateTimeOffset time, CancellationToken cancellationToken = default);

    /// <summary>Removes the group, if it exists.</summary>
    Task DeleteAsync(GroupingKey key, CancellationToken cancellationToken = default);

    /// <summary>The keys of every group, without their families.</summary>
    IAsyncEnumerable<GroupingKey> ListKeysAsync(CancellationToken cancellationToken = default);

    /// <summary>Every group, streamed in storage order.</summary>
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

/// <summary>Storage did not answer, refused, or throttled: the request can be retried later (503).</summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
