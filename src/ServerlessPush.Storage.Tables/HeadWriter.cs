using Azure;
using Azure.Data.Tables;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// Writes a group's head, the row whose write makes a change visible: blind, or conditionally on the
/// head read (created if none was). With a permit, in one transaction with a merge of the permit row
/// (<c>If-Match: *</c>), which fails once the permit is revoked, and naming the permit in the head.
/// </summary>
internal sealed class HeadWriter(GroupTable table)
{
    public async Task WriteAsync(TableEntity head, StoredPartition? current, bool conditional, GroupPermit? permit, CancellationToken cancellationToken)
    {
        await table.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var client = table.Client;
        if (permit is not null)
        {
            // The head names its permit, so an instance's first push to the group joins it with a
            // point read of the head (GroupPermits) instead of a query of the permit rows.
            head[GroupRows.PermitColumn] = permit.Id;
            var write = !conditional ? new TableTransactionAction(TableTransactionActionType.UpsertReplace, head)
                : current is null ? new TableTransactionAction(TableTransactionActionType.Add, head)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, head, current.Head.ETag);
            var check = new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(head.PartitionKey, TableKeys.PermitRow(permit.Id)), ETag.All);
            await client.SubmitTransactionAsync([write, check], cancellationToken).ConfigureAwait(false);
        }
        else if (!conditional)
        {
            await client.UpsertEntityAsync(head, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        else if (current is null)
        {
            await client.AddEntityAsync(head, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await client.UpdateEntityAsync(head, current.Head.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
    }
}
