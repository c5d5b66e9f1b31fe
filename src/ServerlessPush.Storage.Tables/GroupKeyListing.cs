using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Storage.Tables;

/// <summary>The keys of stored groups (tombstones left out), from projected scans of the heads: of every group, or of one job's key range.</summary>
internal sealed class GroupKeyListing(GroupTable table)
{
    public IAsyncEnumerable<GroupingKey> ListAsync(CancellationToken cancellationToken) =>
        QueryAsync(
            TableClient.CreateQueryFilter($"PartitionKey ge {TableKeys.GroupPrefix} and PartitionKey lt {TableKeys.GroupRangeEnd} and RowKey eq {TableKeys.HeadRow}"),
            cancellationToken);

    public async IAsyncEnumerable<GroupingKey> ListOfJobAsync(string job, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {TableKeys.JobPrefix(job)} and PartitionKey lt {TableKeys.JobRangeEnd(job)} and RowKey eq {TableKeys.HeadRow}");
        await foreach (var key in QueryAsync(filter, cancellationToken).ConfigureAwait(false))
        {
            // A hashed job part could in theory be shared; the labels decide.
            if (key.Job == job)
            {
                yield return key;
            }
        }
    }

    private async IAsyncEnumerable<GroupingKey> QueryAsync(string filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await table.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var head in table.ScanAsync(filter, ["Labels", "Deleted"], cancellationToken).ConfigureAwait(false))
        {
            if (!GroupRows.IsDeleted(head))
            {
                yield return GroupRows.LabelsOf(head);
            }
        }
    }
}
