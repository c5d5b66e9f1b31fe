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
internal sealed class GroupPermits(GroupTable table)
{
    public async Task<GroupPermit> AcquireAsync(GroupingKey key, CancellationToken cancellationToken)
    {
        var pk = TableKeys.GroupPartition(key);
        await table.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {pk} and RowKey ge {TableKeys.PermitPrefix} and RowKey lt {TableKeys.PermitRangeEnd}");
        await foreach (var row in table.Client.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return new GroupPermit(key, row.RowKey[TableKeys.PermitPrefix.Length..]);
        }
        var id = Guid.NewGuid().ToString("N");
        await table.Client.AddEntityAsync(new TableEntity(pk, TableKeys.PermitRow(id)), cancellationToken).ConfigureAwait(false);
        return new GroupPermit(key, id);
    }

    public async Task<GroupState> ReadStateAsync(GroupingKey key, CancellationToken cancellationToken)
    {
        var (partition, permits) = await table.ReadPartitionRowsAsync(TableKeys.GroupPartition(key), cancellationToken).ConfigureAwait(false);
        return new GroupState(partition?.Group, permits.Select(id => new GroupPermit(key, id)).ToList());
    }

    public Task RevokeAsync(IReadOnlyCollection<GroupPermit> permits, CancellationToken cancellationToken) =>
        // A single delete of a row already gone answers 404 without throwing.
        Task.WhenAll(permits.Select(p => table.Client.DeleteEntityAsync(
            TableKeys.GroupPartition(p.Group), TableKeys.PermitRow(p.Id), ETag.All, cancellationToken)));

    public async Task<bool> ExistsAsync(string pk, GroupPermit permit, CancellationToken cancellationToken)
    {
        var row = await table.Client.GetEntityIfExistsAsync<TableEntity>(pk, TableKeys.PermitRow(permit.Id), ["RowKey"], cancellationToken).ConfigureAwait(false);
        return row.HasValue;
    }
}
