using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// The table the store's parts share: its creation on first use, and the reads every part needs (one
/// group partition whole, a group's head alone, paged scans). Throws what the SDK throws;
/// <see cref="StorageGuard"/> maps it at the store's surface.
/// </summary>
internal sealed class GroupTable(TableClient client, bool createTable, ILogger logger)
{
    public const int PageSize = 1000;
    public const int MaxTransactionActions = 100;

    private Task? _ensureTable;

    public TableClient Client => client;

    public ILogger Logger => logger;

    /// <summary>
    /// Creates the table once (when configured); a failed attempt (storage down at the first request)
    /// is not remembered, so the next request tries again. A table lost later is recreated by
    /// <see cref="TableRecreationPolicy"/>.
    /// </summary>
    /// <remarks>The creation is shared by every request and runs to its own end (bounded by the SDK's
    /// retries); each request waits for it only until its own deadline.</remarks>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (!createTable)
        {
            return Task.CompletedTask;
        }
        var task = _ensureTable;
        if (task is null || task.IsFaulted || task.IsCanceled)
        {
            task = client.CreateIfNotExistsAsync(CancellationToken.None);
            _ensureTable = task;
        }
        return task.WaitAsync(cancellationToken);
    }

    public async Task<StoredPartition?> ReadPartitionAsync(string pk, CancellationToken cancellationToken) =>
        (await ReadPartitionRowsAsync(pk, cancellationToken).ConfigureAwait(false)).Partition;

    /// <summary>
    /// One group partition, every row in one query: its group (null if no head) and the ids of its
    /// permits (which exist before a first head does), consistent with each other. Guarded here
    /// already, so that a write loop's own handling of 404/409/412 never mistakes a failed read for a lost race.
    /// </summary>
    public Task<(StoredPartition? Partition, IReadOnlyList<string> Permits)> ReadPartitionRowsAsync(string pk, CancellationToken cancellationToken) =>
        StorageGuard.RunAsync(() => ReadPartitionUnguardedAsync(pk, cancellationToken), cancellationToken);

    private async Task<(StoredPartition? Partition, IReadOnlyList<string> Permits)> ReadPartitionUnguardedAsync(string pk, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var rows = new List<TableEntity>();
            await foreach (var row in client.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk}"), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows.Add(row);
            }
            var partition = GroupRows.Assemble(rows);
            if (partition is null || !partition.Torn)
            {
                return (partition, GroupRows.PermitIds(rows));
            }
        }
        throw new StorageUnavailableException($"Group partition {pk} kept changing while being read.");
    }

    /// <summary>
    /// The head row alone, by a point read (null if absent). A point read finds its row by key on any
    /// store (Azurite's queries scan the whole table, its point reads do not).
    /// </summary>
    public async Task<TableEntity?> ReadHeadAsync(string pk, IEnumerable<string>? select, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var head = await client.GetEntityIfExistsAsync<TableEntity>(pk, TableKeys.HeadRow, select, cancellationToken).ConfigureAwait(false);
        return head.HasValue ? head.Value : null;
    }

    /// <summary>A query, paged by the SDK.</summary>
    public IAsyncEnumerable<TableEntity> ScanAsync(string filter, IEnumerable<string>? select, CancellationToken cancellationToken) =>
        client.QueryAsync<TableEntity>(filter, maxPerPage: PageSize, select: select, cancellationToken: cancellationToken);

    /// <summary>Removes rows readers already ignore (old chunks); a row that cannot be removed is logged and left.</summary>
    public async Task DeleteRowsBestEffortAsync(string pk, IEnumerable<string> rowKeys, CancellationToken cancellationToken)
    {
        foreach (var rowKey in rowKeys)
        {
            try
            {
                // A single delete tolerates a row already gone (it returns 404, it does not throw).
                await client.DeleteEntityAsync(pk, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e)
            {
                logger.LogWarning(e, "Could not remove old chunk row of partition {Partition}; it is ignored by readers", pk);
            }
        }
    }
}
