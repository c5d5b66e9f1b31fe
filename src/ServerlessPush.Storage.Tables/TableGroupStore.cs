using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// Groups in Azure Table Storage, one partition per group:
/// <list type="bullet">
/// <item><c>head</c>: labels, push time, expiry, and the families (inline binary properties, or a
/// version naming its chunk rows). Writing the head is what makes a write visible, so a write is atomic.</item>
/// <item><c>failure</c>: the last failure time, a row of its own so that a blind PUT keeps it.</item>
/// <item><c>chunk|version|n</c>: families of groups too large for one entity, written before the head flips.</item>
/// <item><c>permit|id</c>: write permits (<see cref="GroupPermit"/>); every push's head write checks its permit in the same transaction.</item>
/// </list>
/// Every change to a group rewrites its head (a new ETag): the scrape view relies on that to find what
/// changed. Reads and writes by key check the head's labels against the key, as a hashed key could be
/// another group's. This class only composes the parts, each with one concern, and runs every
/// operation through <see cref="StorageGuard"/>:
/// <see cref="GroupWriter"/> (with <see cref="HeadWriter"/> and <see cref="LargeGroupWriter"/>),
/// <see cref="FailureRecorder"/>, <see cref="GroupTombstones"/>, <see cref="ExpiryIndex"/>,
/// <see cref="GroupPermits"/>, <see cref="ScrapeView"/>, <see cref="GroupKeyListing"/>, over
/// <see cref="GroupTable"/> and the pure mapping <see cref="GroupRows"/>.
/// </summary>
public sealed class TableGroupStore : IGroupStore
{
    private readonly GroupTable _table;
    private readonly GroupWriter _writer;
    private readonly FailureRecorder _failures;
    private readonly GroupTombstones _tombstones;
    private readonly ExpiryIndex _expiry;
    private readonly GroupPermits _permits;
    private readonly ScrapeView _view;
    private readonly GroupKeyListing _keys;

    public TableGroupStore(TableClient table, TableStorageOptions options, TimeProvider time, ILogger<TableGroupStore> logger)
    {
        _table = new GroupTable(table, options.CreateTableIfMissing, logger);
        _expiry = new ExpiryIndex(_table);
        _permits = new GroupPermits(_table);
        var heads = new HeadWriter(_table);
        _writer = new GroupWriter(_table, heads, new LargeGroupWriter(_table, heads), _expiry, _permits, options.ContendedWriteBudget);
        _failures = new FailureRecorder(_table);
        _tombstones = new GroupTombstones(_table, _expiry, time);
        _view = new ScrapeView(_table);
        _keys = new GroupKeyListing(_table);
    }

    public Task<MetricGroup?> GetAsync(GroupingKey key, CancellationToken cancellationToken = default) =>
        StorageGuard.RunAsync(() => GetGroupAsync(key, cancellationToken), cancellationToken);

    public Task WriteAsync(GroupingKey key, GroupMutation mutation, GroupPermit permit, CancellationToken cancellationToken = default) =>
        StorageGuard.RunAsync(() => _writer.WriteAsync(key, mutation, permit, cancellationToken), cancellationToken);

    public Task WriteAsync(GroupingKey key, GroupMutation mutation, CancellationToken cancellationToken = default) =>
        StorageGuard.RunAsync(() => _writer.WriteAsync(key, mutation, null, cancellationToken), cancellationToken);

    public Task<GroupPermit> AcquirePermitAsync(GroupingKey key, GroupPermit? revoked = null, CancellationToken cancellationToken = default) =>
        StorageGuard.RunAsync(() => _permits.AcquireAsync(key, revoked, cancellationToken), cancellationToken);

    public Task<GroupState> ReadStateAsync(GroupingKey key, CancellationToken cancellationToken = default) =>
        StorageGuard.RunAsync(() => _permits.ReadStateAsync(key, cancellationToken), cancellationToken);

    public Task RevokePermitsAsync(IReadOnlyCollection<GroupPermit> permits, CancellationToken cancellationToken = default) =>
        StorageGuard.RunAsync(() => _permits.RevokeAsync(permits, cancellationToken), cancellationToken);

    public Task RecordFailureAsync(GroupingKey key, DateTimeOffset time, string reason, CancellationToken cancellationToken = default) =>
        StorageGuard.RunAsync(() => _failures.RecordAsync(key, time, reason, cancellationToken), cancellationToken);

    public Task DeleteAsync(GroupingKey key, CancellationToken cancellationToken = default) =>
        StorageGuard.RunAsync(() => _tombstones.DeleteAsync(key, cancellationToken), cancellationToken);

    public Task DeleteManyAsync(IReadOnlyCollection<GroupingKey> keys, int maxConcurrentCalls, CancellationToken cancellationToken = default) =>
        StorageGuard.RunAsync(() => _tombstones.DeleteManyAsync(keys, maxConcurrentCalls, cancellationToken), cancellationToken);

    public IAsyncEnumerable<GroupingKey> ListKeysAsync(CancellationToken cancellationToken = default) =>
        StorageGuard.EnumerateAsync(_keys.ListAsync(cancellationToken), cancellationToken);

    public IAsyncEnumerable<GroupingKey> ListKeysOfJobAsync(string job, CancellationToken cancellationToken = default) =>
        StorageGuard.EnumerateAsync(_keys.ListOfJobAsync(job, cancellationToken), cancellationToken);

    public IAsyncEnumerable<MetricGroup> ReadAllAsync(CancellationToken cancellationToken = default) =>
        StorageGuard.EnumerateAsync(_view.ReadAllAsync(cancellationToken), cancellationToken);

    public IAsyncEnumerable<ExpiryCandidate> ListExpiryCandidatesAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        StorageGuard.EnumerateAsync(_expiry.ListCandidatesAsync(now, cancellationToken), cancellationToken);

    public Task<bool> DeleteIfExpiredAsync(ExpiryCandidate candidate, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        StorageGuard.RunAsync(() => _expiry.DeleteIfExpiredAsync(candidate, now, cancellationToken), cancellationToken);

    public Task CheckAvailableAsync(CancellationToken cancellationToken = default) =>
        StorageGuard.RunAsync(
            async () =>
            {
                await _table.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
                await foreach (var _ in _table.Client.QueryAsync<TableEntity>(
                    TableClient.CreateQueryFilter($"PartitionKey eq {"ready"}"), maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    break;
                }
            },
            cancellationToken);

    /// <summary>
    /// The head alone by a point read first: a group that does not exist (the usual answer for the
    /// push's sibling check) then costs one cheap request. A live group is read whole, in one query,
    /// so the head, its chunks and the failure time are one consistent read.
    /// </summary>
    private async Task<MetricGroup?> GetGroupAsync(GroupingKey key, CancellationToken cancellationToken)
    {
        var pk = TableKeys.GroupPartition(key);
        var head = await _table.ReadHeadAsync(pk, ["Labels", "Deleted"], cancellationToken).ConfigureAwait(false);
        if (head is null || GroupRows.IsDeleted(head) || !GroupRows.LabelsOf(head).Equals(key))
        {
            return null;
        }
        var partition = await _table.ReadPartitionAsync(pk, cancellationToken).ConfigureAwait(false);
        // A partition holding another group's labels (a hashed key shared) holds nothing of this group.
        return partition?.Group is { } group && group.Key.Equals(key) ? group : null;
    }
}
