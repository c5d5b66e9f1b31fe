using System.Runtime.CompilerServices;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Testing.InMemory;

/// <summary>
/// <see cref="IGroupStore"/> in process memory, for unit tests of the gateway services: no storage
/// emulator, answers in microseconds. It keeps the contract the Table Storage store keeps:
/// <list type="bullet">
/// <item>a group write is atomic, and a write with a permit lands only while the permit exists
/// (else <see cref="PermitRevokedException"/>); revoked permits never come back;</item>
/// <item>a mutation that needs the current group is applied to the group as read, and applied again
/// if another write landed between that read and its commit (optimistic concurrency);</item>
/// <item>the failure time lives apart from the group (a blind PUT keeps it, a delete clears it) and
/// is recorded only on a group that exists;</item>
/// <item>every expiring write records an expiry index entry; the sweep deletes a group only if the
/// group itself says it expired, and drops an entry only if it was not written again since listed;</item>
/// <item>a delete revokes the group's permits (its writers must register their names again).</item>
/// </list>
/// <see cref="Unavailable"/> makes every call fail as storage that does not answer;
/// <see cref="BeforeCallAsync"/> lets a test run code inside a call (to interleave writers).
/// </summary>
public sealed class InMemoryGroupStore : IGroupStore
{
    private sealed record Stored(MetricGroup Group, long Version);

    private sealed record ExpiryEntry(GroupingKey Key, DateTimeOffset ExpiresAt, long Version);

    private readonly Lock _lock = new();
    private readonly Dictionary<GroupingKey, Stored> _groups = [];
    private readonly Dictionary<GroupingKey, (DateTimeOffset Time, string Reason)> _failures = [];
    private readonly Dictionary<GroupingKey, HashSet<string>> _permits = [];
    private readonly Dictionary<GroupingKey, ExpiryEntry> _expiry = [];
    private readonly Dictionary<string, int> _calls = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>While true, every call throws <see cref="StorageUnavailableException"/>.</summary>
    public bool Unavailable { get; set; }

    /// <summary>Run at the start of every call with the method's name (e.g. <c>"WriteAsync"</c>), and between the read and the commit of a read-modify-write (<c>"WriteAsync:commit"</c>).</summary>
    public Func<string, Task>? BeforeCallAsync { get; set; }

    /// <summary>How often each method was called.</summary>
    public int Calls(string method)
    {
        lock (_lock)
        {
            return _calls.GetValueOrDefault(method);
        }
    }

    /// <summary>The groups stored now (expired ones included until swept), in storage order.</summary>
    public IReadOnlyList<MetricGroup> Groups
    {
        get
        {
            lock (_lock)
            {
                return [.. _groups.Values.Select(Assemble).OrderBy(g => g.Key.Canonical, StringComparer.Ordinal)];
            }
        }
    }

    public async Task<MetricGroup?> GetAsync(GroupingKey key, CancellationToken cancellationToken = default)
    {
        await EnterAsync(nameof(GetAsync), cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            return _groups.TryGetValue(key, out var stored) ? Assemble(stored) : null;
        }
    }

    public Task WriteAsync(GroupingKey key, GroupMutation mutation, GroupPermit permit, CancellationToken cancellationToken = default) =>
        WriteGroupAsync(key, mutation, permit, cancellationToken);

    public Task WriteAsync(GroupingKey key, GroupMutation mutation, CancellationToken cancellationToken = default) =>
        WriteGroupAsync(key, mutation, null, cancellationToken);

    private async Task WriteGroupAsync(GroupingKey key, GroupMutation mutation, GroupPermit? permit, CancellationToken cancellationToken)
    {
        await EnterAsync(nameof(WriteAsync), cancellationToken).ConfigureAwait(false);
        while (true)
        {
            MetricGroup? current = null;
            long? readVersion = null;
            if (mutation.NeedsCurrent)
            {
                lock (_lock)
                {
                    ThrowIfRevoked(key, permit);
                    if (_groups.TryGetValue(key, out var stored))
                    {
                        current = Assemble(stored);
                        readVersion = stored.Version;
                    }
                }
                if (BeforeCallAsync is { } hook)
                {
                    await hook(nameof(WriteAsync) + ":commit").ConfigureAwait(false);
                }
            }
            // Applied outside the lock, as the real store applies it between its read and its write.
            var content = mutation.Apply(current);
            lock (_lock)
            {
                ThrowIfRevoked(key, permit);
                var now = _groups.TryGetValue(key, out var stored) ? stored.Version : (long?)null;
                if (mutation.NeedsCurrent && now != readVersion)
                {
                    continue; // another writer got there first: apply again to what it wrote
                }
                var version = ++_version;
                var group = new MetricGroup(key, content.Families, content.PushTime, null, content.ExpiresAt, content.Ttl);
                _groups[key] = new Stored(group, version);
                if (content.ExpiresAt is { } expiresAt)
                {
                    _expiry[key] = new ExpiryEntry(key, expiresAt, version);
                }
                return;
            }
        }
    }

    private void ThrowIfRevoked(GroupingKey key, GroupPermit? permit)
    {
        if (permit is not null && !(_permits.TryGetValue(key, out var ids) && ids.Contains(permit.Id)))
        {
            throw new PermitRevokedException(permit);
        }
    }

    public async Task<GroupPermit> AcquirePermitAsync(GroupingKey key, GroupPermit? revoked = null, CancellationToken cancellationToken = default)
    {
        await EnterAsync(nameof(AcquirePermitAsync), cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            if (!_permits.TryGetValue(key, out var ids))
            {
                _permits[key] = ids = new HashSet<string>(StringComparer.Ordinal);
            }
            if (ids.Count == 0)
            {
                ids.Add(Guid.NewGuid().ToString("N"));
            }
            return new GroupPermit(key, ids.First());
        }
    }

    public async Task<GroupState> ReadStateAsync(GroupingKey key, CancellationToken cancellationToken = default)
    {
        await EnterAsync(nameof(ReadStateAsync), cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            var group = _groups.TryGetValue(key, out var stored) ? Assemble(stored) : null;
            var permits = _permits.TryGetValue(key, out var ids) ? ids.Select(id => new GroupPermit(key, id)).ToList() : [];
            return new GroupState(group, permits);
        }
    }

    public async Task RevokePermitsAsync(IReadOnlyCollection<GroupPermit> permits, CancellationToken cancellationToken = default)
    {
        await EnterAsync(nameof(RevokePermitsAsync), cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            foreach (var permit in permits)
            {
                if (_permits.TryGetValue(permit.Group, out var ids))
                {
                    ids.Remove(permit.Id);
                }
            }
        }
    }

    public async Task RecordFailureAsync(GroupingKey key, DateTimeOffset time, string reason, CancellationToken cancellationToken = default)
    {
        await EnterAsync(nameof(RecordFailureAsync), cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            if (_groups.TryGetValue(key, out var stored))
            {
                _failures[key] = (time, FailureReason.Bound(reason));
                // Like the real store, recording a failure is a change of the group (a new version).
                _groups[key] = stored with { Version = ++_version };
            }
        }
    }

    public async Task DeleteAsync(GroupingKey key, CancellationToken cancellationToken = default)
    {
        await EnterAsync(nameof(DeleteAsync), cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            DeleteGroup(key);
        }
    }

    public async Task DeleteManyAsync(IReadOnlyCollection<GroupingKey> keys, int maxConcurrentCalls, CancellationToken cancellationToken = default)
    {
        await EnterAsync(nameof(DeleteManyAsync), cancellationToken).ConfigureAwait(false);
        foreach (var key in keys)
        {
            // One group at a time, as the Table store does: a writer between two of them is not excluded.
            if (BeforeCallAsync is { } hook)
            {
                await hook(nameof(DeleteManyAsync) + ":group").ConfigureAwait(false);
            }
            lock (_lock)
            {
                DeleteGroup(key);
            }
        }
    }

    private void DeleteGroup(GroupingKey key)
    {
        if (_groups.Remove(key))
        {
            _failures.Remove(key);
            _permits.Remove(key);
        }
    }

    public async IAsyncEnumerable<GroupingKey> ListKeysAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await EnterAsync(nameof(ListKeysAsync), cancellationToken).ConfigureAwait(false);
        foreach (var group in Groups)
        {
            yield return group.Key;
        }
    }

    public async IAsyncEnumerable<MetricGroup> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await EnterAsync(nameof(ReadAllAsync), cancellationToken).ConfigureAwait(false);
        foreach (var group in Groups)
        {
            yield return group;
        }
    }

    public async IAsyncEnumerable<ExpiryCandidate> ListExpiryCandidatesAsync(DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await EnterAsync(nameof(ListExpiryCandidatesAsync), cancellationToken).ConfigureAwait(false);
        List<ExpiryEntry> due;
        lock (_lock)
        {
            due = [.. _expiry.Values.Where(e => e.ExpiresAt <= now).OrderBy(e => e.ExpiresAt)];
        }
        foreach (var entry in due)
        {
            yield return new ExpiryCandidate(entry.Key, entry.ExpiresAt, entry.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public async Task<bool> DeleteIfExpiredAsync(ExpiryCandidate candidate, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await EnterAsync(nameof(DeleteIfExpiredAsync), cancellationToken).ConfigureAwait(false);
        var listedVersion = long.Parse(candidate.IndexEntry, System.Globalization.CultureInfo.InvariantCulture);
        lock (_lock)
        {
            var deleted = false;
            if (_groups.TryGetValue(candidate.Key, out var stored))
            {
                if (stored.Group.ExpiresAt <= now)
                {
                    DeleteGroup(candidate.Key);
                    deleted = true;
                }
                else if (stored.Group.ExpiresAt is { } later && !(_expiry.TryGetValue(candidate.Key, out var entry) && entry.ExpiresAt == later))
                {
                    // Renewed since the entry was written: an entry for when it does expire.
                    _expiry[candidate.Key] = new ExpiryEntry(candidate.Key, later, ++_version);
                    return false;
                }
            }
            if (_expiry.TryGetValue(candidate.Key, out var current) && current.Version == listedVersion)
            {
                _expiry.Remove(candidate.Key);
            }
            return deleted;
        }
    }

    public async IAsyncEnumerable<GroupingKey> ListKeysOfJobAsync(string job, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await EnterAsync(nameof(ListKeysOfJobAsync), cancellationToken).ConfigureAwait(false);
        foreach (var group in Groups.Where(g => g.Key.Job == job))
        {
            yield return group.Key;
        }
    }

    public Task CheckAvailableAsync(CancellationToken cancellationToken = default) =>
        EnterAsync(nameof(CheckAvailableAsync), cancellationToken);

    private MetricGroup Assemble(Stored stored) =>
        _failures.TryGetValue(stored.Group.Key, out var failure) ? stored.Group with { LastFailureTime = failure.Time, LastFailureReason = failure.Reason } : stored.Group;

    private async Task EnterAsync(string method, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _calls[method] = _calls.GetValueOrDefault(method) + 1;
        }
        if (BeforeCallAsync is { } hook)
        {
            await hook(method).ConfigureAwait(false);
        }
        if (Unavailable)
        {
            throw new StorageUnavailableException($"{nameof(InMemoryGroupStore)}.{method}: storage is unavailable (test).");
        }
    }
}
