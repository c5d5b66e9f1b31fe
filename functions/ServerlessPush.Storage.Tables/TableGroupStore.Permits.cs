using Azure;
using Azure.Data.Tables;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// Write permits (<see cref="GroupPermit"/>): rows <c>permit|&lt;random id&gt;</c> in the group's
/// partition. A push's head write merges its permit row in the same transaction, with <c>If-Match: *</c>,
/// so it fails once the row is deleted; ids are random and never reused, so a revoked permit never
/// comes back. Instances join the permit a group has, so a group normally has one.
/// </summary>
public sealed partial class TableGroupStore
{
    public async Task<GroupPermit> AcquirePermitAsync(GroupingKey key, CancellationToken cancellationToken = default)
    {
        var pk = TableKeys.GroupPartition(key);
        await EnsureTableSafeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {pk} and RowKey ge {TableKeys.PermitPrefix} and RowKey lt {TableKeys.PermitRangeEnd}");
            await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                return new GroupPermit(key, row.RowKey[TableKeys.PermitPrefix.Length..]);
            }
            var id = Guid.NewGuid().ToString("N");
            await _table.AddEntityAsync(new TableEntity(pk, TableKeys.PermitRow(id)), cancellationToken).ConfigureAwait(false);
            return new GroupPermit(key, id);
        }
        catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
        {
            throw StorageFaults.Unavailable(e);
        }
    }

    public async Task<GroupState> ReadStateAsync(GroupingKey key, CancellationToken cancellationToken = default)
    {
        var (partition, permits) = await ReadPartitionRowsAsync(TableKeys.GroupPartition(key), cancellationToken).ConfigureAwait(false);
        return new GroupState(partition?.Group, permits.Select(id => new GroupPermit(key, id)).ToList());
    }

    public async Task RevokePermitsAsync(IReadOnlyCollection<GroupPermit> permits, CancellationToken cancellationToken = default)
    {
        try
        {
            // A single delete of a row already gone answers 404 without throwing.
            await Task.WhenAll(permits.Select(p => _table.DeleteEntityAsync(
                TableKeys.GroupPartition(p.Group), TableKeys.PermitRow(p.Id), ETag.All, cancellationToken))).ConfigureAwait(false);
        }
        catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
        {
            throw StorageFaults.Unavailable(e);
        }
    }

    private async Task<bool> PermitExistsAsync(string pk, GroupPermit permit, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(pk, TableKeys.PermitRow(permit.Id), ["RowKey"], cancellationToken).ConfigureAwait(false);
        return row.HasValue;
    }
}
