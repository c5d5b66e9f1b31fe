using Azure;
using Azure.Data.Tables;
using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// DELETE of a group: the head becomes a tombstone in one transaction with the removal of the other
/// rows (so readers see the group or nothing, and a view sees the deletion by the head's new ETag).
/// The tombstone stays for <see cref="Retention"/>, indexed for the sweep like an expiring group.
/// </summary>
internal sealed class GroupTombstones(GroupTable table, ExpiryIndex expiry, TimeProvider time)
{
    /// <summary>How long a deleted group's tombstone stays: longer than any view goes without a full reload.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    private const int MaxAttempts = 64;

    /// <summary>A group that does not exist gets no tombstone, nor does a partition that holds another group's labels.</summary>
    public async Task DeleteAsync(GroupingKey key, CancellationToken cancellationToken)
    {
        var pk = TableKeys.GroupPartition(key);
        await table.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var rows = new List<TableEntity>();
            await foreach (var row in table.Client.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk}"), select: ["RowKey", "Labels", "Deleted"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows.Add(row);
            }
            var head = rows.FirstOrDefault(r => r.RowKey == TableKeys.HeadRow);
            if (head is null || GroupRows.IsDeleted(head) || !GroupRows.LabelsOf(head).Equals(key))
            {
                return;
            }
            var expires = time.GetUtcNow() + Retention;
            var tombstone = GroupRows.Tombstone(pk, head, expires);
            await expiry.RecordAsync(pk, key, expires, permit: null, cancellationToken).ConfigureAwait(false);
            // Permits go in the first transaction, with the head: a deleted group's writers must register its names again.
            var others = rows.Where(r => r.RowKey is not (TableKeys.HeadRow or TableKeys.FailureRow))
                .Select(r => r.RowKey)
                .OrderBy(rk => rk.StartsWith(TableKeys.PermitPrefix, StringComparison.Ordinal) ? 0 : 1)
                .ToList();
            try
            {
                // The failure row is emptied in the same transaction, so a re-created group starts
                // without the old failure time.
                var failure = rows.Any(r => r.RowKey == TableKeys.FailureRow)
                    ? [new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(pk, TableKeys.FailureRow))]
                    : Array.Empty<TableTransactionAction>();
                var first = others.Take(GroupTable.MaxTransactionActions - 2)
                    .Select(rk => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(pk, rk), ETag.All))
                    .Concat(failure)
                    .Prepend(new TableTransactionAction(TableTransactionActionType.UpdateReplace, tombstone, head.ETag));
                await table.Client.SubmitTransactionAsync(first, cancellationToken).ConfigureAwait(false);
                // Only huge groups have more rows than one transaction takes; readers ignore them already.
                await table.DeleteRowsBestEffortAsync(pk, others.Skip(GroupTable.MaxTransactionActions - 2), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
            {
                // A concurrent writer or deleter changed the rows: list them again.
            }
        }
    }
}
