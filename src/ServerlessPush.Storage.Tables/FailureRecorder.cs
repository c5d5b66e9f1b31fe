using Azure;
using Azure.Data.Tables;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// The failure time and reason of a rejected push: the <c>failure</c> row (apart from the head, so a blind PUT
/// keeps it), written in one transaction with a merge of the head so that the head's ETag changes
/// (the scrape view sees every change to a group by its head).
/// </summary>
internal sealed class FailureRecorder(GroupTable table)
{
    private const int MaxAttempts = 64;

    public async Task RecordAsync(GroupingKey key, DateTimeOffset time, string reason, CancellationToken cancellationToken)
    {
        var pk = TableKeys.GroupPartition(key);
        var failure = new TableEntity(pk, TableKeys.FailureRow) { ["FailureTicks"] = time.UtcTicks, ["Reason"] = FailureReason.Bound(reason) };
        try
        {
            for (var attempt = 1; attempt <= MaxAttempts; attempt++)
            {
                // A rejected push never creates a group, nor revives a deleted one: record only on a
                // live head, and only if it is still the head read (else read again).
                var head = await table.Client.GetEntityIfExistsAsync<TableEntity>(pk, TableKeys.HeadRow, ["Deleted", "Labels"], cancellationToken).ConfigureAwait(false);
                if (!head.HasValue || GroupRows.IsDeleted(head.Value!) || !GroupRows.LabelsOf(head.Value!).Equals(key))
                {
                    return;
                }
                try
                {
                    await table.Client.SubmitTransactionAsync(
                        [
                            new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(pk, TableKeys.HeadRow), head.Value!.ETag),
                            new TableTransactionAction(TableTransactionActionType.UpsertReplace, failure),
                        ],
                        cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
                {
                    // Changed or deleted meanwhile: look again.
                }
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // The table itself does not exist yet: no group to record on.
        }
    }
}
