using Azure;
using Azure.Data.Tables;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// Write permits (<see cref="GroupPermit"/>): rows <c>permit|&lt;random id&gt;</c> in the group's
/// partition. A push's head write merges its permit row in the same transaction, with <c>If-Match: *</c>,
/// so it fails once the row is deleted; ids are random and never reused, so a revoked permit never
/// comes back. The head names the permit it was written with and instances join that one, so a group
/// normally has one.
/// </summary>
internal sealed class GroupPermits(GroupTable table)
{
    public async Task<GroupPermit> AcquireAsync(GroupingKey key, GroupPermit? revoked, CancellationToken cancellationToken)
    {
        var pk = TableKeys.GroupPartition(key);
        await table.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        if (revoked is not null)
        {
            // The head may well still name a revoked permit (a revocation does not touch the head), and
            // rivals may revoke again: only the permit rows themselves are trusted now.
            return await JoinExistingOrCreateAsync(key, pk, cancellationToken).ConfigureAwait(false);
        }
        // The head names the permit of its last write: joined with a point read (a query of the permit
        // rows scans the whole table on Azurite). Joining a permit revoked since is safe: the write
        // checks it, fails, and the push comes back here with it as `revoked`.
        // (A hashed partition held by another group is refused before any row is written, by the
        // index registration's head check, whichever permit the push holds.)
        var head = await table.Client.GetEntityIfExistsAsync<TableEntity>(pk, TableKeys.HeadRow, [GroupRows.PermitColumn, "Deleted"], cancellationToken).ConfigureAwait(false);
        if (head.HasValue
            && head.Value!.GetBoolean("Deleted") != true
            && head.Value.GetString(GroupRows.PermitColumn) is { Length: > 0 } id)
        {
            return new GroupPermit(key, id);
        }
        // No live head naming a usable permit (a new group, a tombstone, a head written without one): a new
        // permit. The group may then hold two (racing first pushes, a rejected push's), which the
        // argument allows: a reader revokes every permit it read.
        return await CreateAsync(key, pk, cancellationToken).ConfigureAwait(false);
    }

    private async Task<GroupPermit> JoinExistingOrCreateAsync(GroupingKey key, string pk, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {pk} and RowKey ge {TableKeys.PermitPrefix} and RowKey lt {TableKeys.PermitRangeEnd}");
        await foreach (var row in table.Client.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return new GroupPermit(key, row.RowKey[TableKeys.PermitPrefix.Length..]);
        }
        return await CreateAsync(key, pk, cancellationToken).ConfigureAwait(false);
    }

    private async Task<GroupPermit> CreateAsync(GroupingKey key, string pk, CancellationToken cancellationToken)
    {
        var created = Guid.NewGuid().ToString("N");
        await table.Client.AddEntityAsync(new TableEntity(pk, TableKeys.PermitRow(created)), cancellationToken).ConfigureAwait(false);
        return new GroupPermit(key, created);
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
