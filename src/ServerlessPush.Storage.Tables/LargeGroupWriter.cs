using Azure;
using Azure.Data.Tables;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// Groups too large for one entity (<see cref="GroupRows.InlineLimit"/>), and any write that replaces
/// one: new chunk rows under a fresh version first, then the head flips to them with the ETag read
/// before (so a concurrent writer makes this one retry), then the old chunks go. Readers assemble
/// only the chunks the head names, so a reader never sees half a group.
/// </summary>
internal sealed class LargeGroupWriter(GroupTable table, HeadWriter heads)
{
    // 4 chunk rows of up to 512 KiB per transaction stay under its 4 MiB body limit.
    private const int ChunkRowsPerTransaction = 4;

    public async Task WriteAsync(string pk, GroupingKey key, GroupContent content, string encoding, byte[] bytes, StoredPartition? current, GroupPermit? permit, CancellationToken cancellationToken)
    {
        await table.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var version = Guid.NewGuid().ToString("N");
        var chunkEntities = GroupRows.ChunkRows(pk, version, bytes);
        var needsChunks = bytes.Length > GroupRows.InlineLimit;
        if (needsChunks)
        {
            foreach (var batch in chunkEntities.Chunk(ChunkRowsPerTransaction))
            {
                await table.Client.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken).ConfigureAwait(false);
            }
        }
        var head = needsChunks
            ? GroupRows.NewHead(pk, key, content, encoding, [], version, chunkEntities.Count, bytes.Length)
            : GroupRows.NewHead(pk, key, content, encoding, bytes, null, 0);
        try
        {
            await heads.WriteAsync(head, current, conditional: true, permit, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            if (needsChunks)
            {
                await table.DeleteRowsBestEffortAsync(pk, chunkEntities.Select(c => c.RowKey), cancellationToken).ConfigureAwait(false);
            }
            throw;
        }
        if (current is not null)
        {
            await table.DeleteRowsBestEffortAsync(pk, current.ChunkRows.Select(c => c.RowKey), cancellationToken).ConfigureAwait(false);
        }
    }
}
