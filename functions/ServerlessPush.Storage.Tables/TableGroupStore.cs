using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
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
/// A deleted group leaves a tombstone head for <see cref="TombstoneRetention"/>; the expiry sweep
/// removes tombstones like expired groups. Every change to a group rewrites its head (a new ETag):
/// the scrape view relies on that to find what changed (TableGroupStore.View.cs).
/// A PUT of an ordinary group is one transaction (head upsert, permit check). A POST reads the
/// partition and writes with the head's ETag, retrying when another writer won; so does a PUT of a
/// group whose partition key is hashed (<see cref="TableKeys.IsHashed"/>), which must first learn
/// whose partition it is. Reads and writes by key check the head's labels against the key, as a
/// hashed key could be another group's (<see cref="EnsureFreeFor"/>).
/// </summary>
public sealed partial class TableGroupStore : IGroupStore
{
    // 64 KiB per binary property; 8 per entity keeps an entity well under 1 MiB even as Azurite
    // measures it (base64 JSON), and 4 chunk rows per transaction under the 4 MiB body limit.
    internal const int PropertyBytes = 64 * 1024;
    internal const int PropertiesPerEntity = 8;
    internal const int InlineLimit = PropertyBytes * PropertiesPerEntity;
    private const int ChunkRowsPerTransaction = 4;
    private const int MaxTransactionActions = 100;
    // Other optimistic loops (failure time, delete) retry at most this often.
    private const int MaxWriteAttempts = 64;

    /// <summary>
    /// How long one group write may wait for its turn and retry lost ETag races before it is answered
    /// 503 (32 concurrent writers on one group all land well within it; see docs/access.md).
    /// </summary>

    /// <summary>How long a deleted group's tombstone stays: longer than any view goes without a full reload.</summary>
    internal static readonly TimeSpan TombstoneRetention = TimeSpan.FromHours(1);

    private readonly TableClient _table;
    private readonly ILogger<TableGroupStore> _logger;
    private readonly TimeProvider _time;
    private readonly bool _createTable;
    private Task? _ensureTable;
    private readonly PartitionWriteQueue _writeQueue = new();
    // Per group partition: the permit and expiry bucket of the entry this instance last wrote.
    private readonly TimeSpan _contendedWriteBudget;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Permit, string Bucket)> _expiryEntriesWritten = new(StringComparer.Ordinal);

    public TableGroupStore(TableClient table, TableStorageOptions options, TimeProvider time, ILogger<TableGroupStore> logger)
    {
        _table = table;
        _time = time;
        _logger = logger;
        _createTable = options.CreateTableIfMissing;
        _contendedWriteBudget = options.ContendedWriteBudget;
    }

    public async Task<MetricGroup?> GetAsync(GroupingKey key, CancellationToken cancellationToken = default)
    {
        var partition = await ReadPartitionAsync(TableKeys.GroupPartition(key), cancellationToken).ConfigureAwait(false);
        // A partition holding another group's labels (a hashed key shared) holds nothing of this group.
        return partition?.Group is { } group && group.Key.Equals(key) ? group : null;
    }

    public Task WriteAsync(GroupingKey key, GroupMutation mutation, GroupPermit permit, CancellationToken cancellationToken = default) =>
        WriteGroupAsync(key, mutation, permit, cancellationToken);

    public Task WriteAsync(GroupingKey key, GroupMutation mutation, CancellationToken cancellationToken = default) =>
        WriteGroupAsync(key, mutation, null, cancellationToken);

    private async Task WriteGroupAsync(GroupingKey key, GroupMutation mutation, GroupPermit? permit, CancellationToken cancellationToken)
    {
        var pk = TableKeys.GroupPartition(key);
        // A hashed partition may be another group's: it is written only with the ETag of a head read
        // and found to be this group's (or with an insert, if there was none).
        var conditional = mutation.NeedsCurrent || TableKeys.IsHashed(pk);
        // The budget bounds the waits (the queue and the pauses), not storage calls in flight.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(_contendedWriteBudget);
        IDisposable turn;
        try
        {
            turn = await _writeQueue.EnterAsync(pk, budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Contended(pk, null);
        }
        using var _ = turn;
        for (var attempt = 1; ; attempt++)
        {
            StoredPartition? current = null;
            if (conditional)
            {
                List<string> permits;
                (current, permits) = await ReadPartitionRowsAsync(pk, cancellationToken).ConfigureAwait(false);
                if (permit is not null && !permits.Contains(permit.Id))
                {
                    throw new PermitRevokedException(permit);
                }
            }
            EnsureFreeFor(current, key, pk);
            var content = mutation.Apply(current?.Group);
            var (bytes, encoding) = GroupPayloadCodec.Encode(content.Families);
            try
            {
                // The index entry goes first: a group whose write lands is always findable by the sweep.
                await RecordExpiryAsync(pk, key, content.ExpiresAt, permit, cancellationToken).ConfigureAwait(false);
                if (bytes.Length <= InlineLimit && (current is null || current.ChunkRows.Count == 0))
                {
                    var head = NewHead(pk, key, content, encoding, bytes, version: null, chunks: 0);
                    await WriteHeadAsync(head, current, conditional, permit, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // Large groups, or replacing one: the old chunk rows must be known to be removed.
                    current ??= await ReadPartitionAsync(pk, cancellationToken).ConfigureAwait(false);
                    EnsureFreeFor(current, key, pk);
                    await WriteLargeAsync(pk, key, content, encoding, bytes, current, permit, cancellationToken).ConfigureAwait(false);
                }
                return;
            }
            catch (RequestFailedException e) when (e.Status is 412 or 409 or 404)
            {
                // Another writer changed the group between our read and our write, or the sweep deleted
                // it (404), or the permit was revoked. Only the last is final; else read again.
                // (A read-modify-write learns of a revocation from its next read.)
                if (permit is not null && !conditional && !await PermitExistsAsync(pk, permit, cancellationToken).ConfigureAwait(false))
                {
                    throw new PermitRevokedException(permit);
                }
                // Read again after a pause drawn at random up to a cap that doubles (5, 10, 20, 40, then
                // 80 ms), within the budget.
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(1 + Random.Shared.Next(5 << Math.Min(attempt - 1, 4))), budget.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw Contended(pk, e);
                }
            }
            catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
            {
                throw StorageFaults.Unavailable(e);
            }
        }
    }

    /// <summary>Never a 500, never a false success: the client is told to retry.</summary>
    private StorageUnavailableException Contended(string pk, Exception? inner) =>
        new($"Group {pk} is busy with other writes (waited {_contendedWriteBudget.TotalSeconds:0} s); try again.", inner);

    public async Task RecordFailureAsync(GroupingKey key, DateTimeOffset time, CancellationToken cancellationToken = default)
    {
        var pk = TableKeys.GroupPartition(key);
        var failure = new TableEntity(pk, TableKeys.FailureRow) { ["FailureTicks"] = time.UtcTicks };
        try
        {
            for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
            {
                // A rejected push never creates a group, nor revives a deleted one: record only on a
                // live head, and only if it is still the head read (else read again).
                var head = await _table.GetEntityIfExistsAsync<TableEntity>(pk, TableKeys.HeadRow, ["Deleted", "Labels"], cancellationToken).ConfigureAwait(false);
                if (!head.HasValue || head.Value!.GetBoolean("Deleted") == true || !LabelsOf(head.Value).Equals(key))
                {
                    return;
                }
                try
                {
                    await _table.SubmitTransactionAsync(
                        [
                            new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(pk, TableKeys.HeadRow), head.Value.ETag),
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
        catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
        {
            throw StorageFaults.Unavailable(e);
        }
    }

    public async Task DeleteAsync(GroupingKey key, CancellationToken cancellationToken = default)
    {
        var pk = TableKeys.GroupPartition(key);
        try
        {
            await DeletePartitionAsync(pk, key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
        {
            throw StorageFaults.Unavailable(e);
        }
    }

    public IAsyncEnumerable<GroupingKey> ListKeysAsync(CancellationToken cancellationToken = default) =>
        QueryKeysAsync(
            TableClient.CreateQueryFilter($"PartitionKey ge {TableKeys.GroupPrefix} and PartitionKey lt {TableKeys.GroupRangeEnd} and RowKey eq {TableKeys.HeadRow}"),
            cancellationToken);

    public async IAsyncEnumerable<GroupingKey> ListKeysOfJobAsync(string job, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {TableKeys.JobPrefix(job)} and PartitionKey lt {TableKeys.JobRangeEnd(job)} and RowKey eq {TableKeys.HeadRow}");
        await foreach (var key in QueryKeysAsync(filter, cancellationToken).ConfigureAwait(false))
        {
            // A hashed job part could in theory be shared; the labels decide.
            if (key.Job == job)
            {
                yield return key;
            }
        }
    }

    public async IAsyncEnumerable<ExpiryCandidate> ListExpiryCandidatesAsync(DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await EnsureTableSafeAsync(cancellationToken).ConfigureAwait(false);
        // Every entry due by now sits in a partition up to now's bucket; later buckets are not read.
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {TableKeys.ExpiryPrefix} and PartitionKey le {TableKeys.ExpiryPartition(now)}");
        await foreach (var row in ScanAsync(filter, ["PartitionKey", "RowKey", "Labels", "ExpiresTicks"], cancellationToken).ConfigureAwait(false))
        {
            var expires = ToTime(row.GetInt64("ExpiresTicks")) ?? DateTimeOffset.MinValue;
            if (expires <= now)
            {
                yield return new ExpiryCandidate(GroupingKey.Create(ReadLabels(row.GetString("Labels"))), expires, new ExpiryEntryRef(row.PartitionKey, row.RowKey, row.ETag).ToString());
            }
        }
    }

    public async Task<bool> DeleteIfExpiredAsync(ExpiryCandidate candidate, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var pk = TableKeys.GroupPartition(candidate.Key);
        var entry = ExpiryEntryRef.Parse(candidate.IndexEntry);
        try
        {
            for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
            {
                var partition = await ReadPartitionAsync(pk, cancellationToken).ConfigureAwait(false);
                // A tombstone expires like a group, once every view has had time to see the deletion.
                var expires = partition is null ? null
                    : partition.IsTombstone ? ToTime(partition.Head.GetInt64("ExpiresTicks"))
                    : partition.Group!.ExpiresAt;
                if (expires <= now)
                {
                    if (!await DeleteGroupIfUnchangedAsync(pk, partition!, cancellationToken).ConfigureAwait(false))
                    {
                        // Written, or a permit revoked, since it was read: look again.
                        continue;
                    }
                    await DeleteEntryIfUnchangedAsync(entry, cancellationToken).ConfigureAwait(false);
                    return !partition!.IsTombstone;
                }
                if (expires is { } later)
                {
                    // The stored group's own labels: after a hashed key's race the entry may name the loser.
                    // Renewed (or deleted) since the entry was written: make sure an entry is due when it does expire.
                    await _table.UpsertEntityAsync(ExpiryEntry(pk, partition?.Group?.Key ?? candidate.Key, later), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                    if (TableKeys.ExpiryPartition(later) == entry.Partition)
                    {
                        // That was this very entry, rewritten with the new time.
                        return false;
                    }
                }
                await DeleteEntryIfUnchangedAsync(entry, cancellationToken).ConfigureAwait(false);
                return false;
            }
            throw new StorageUnavailableException($"Group {pk} kept changing while being swept.");
        }
        catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
        {
            throw StorageFaults.Unavailable(e);
        }
    }

    /// <summary>
    /// Drops a swept entry unless a writer upserted it after it was listed (then it is that writer's
    /// entry, for a group it has just written: it must stay).
    /// </summary>
    private async Task DeleteEntryIfUnchangedAsync(ExpiryEntryRef entry, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(entry.Partition, entry.Row, entry.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
        }
    }

    /// <summary>Where an expiry entry is and the version it was listed at, carried by <see cref="ExpiryCandidate.IndexEntry"/>.</summary>
    private readonly record struct ExpiryEntryRef(string Partition, string Row, ETag ETag)
    {
        public override string ToString() => $"{Partition}\n{Row}\n{ETag}";

        public static ExpiryEntryRef Parse(string text)
        {
            var parts = text.Split('\n');
            return new ExpiryEntryRef(parts[0], parts[1], new ETag(parts[2]));
        }
    }

    public async Task CheckAvailableAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
            await foreach (var _ in _table.QueryAsync<TableEntity>(
                TableClient.CreateQueryFilter($"PartitionKey eq {"ready"}"), maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }
        catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
        {
            throw StorageFaults.Unavailable(e);
        }
    }

    private async Task<StoredPartition?> ReadPartitionAsync(string pk, CancellationToken cancellationToken) =>
        (await ReadPartitionRowsAsync(pk, cancellationToken).ConfigureAwait(false)).Partition;

    /// <summary>The partition's group (null if no head) and the ids of its permits, from one consistent read.</summary>
    private async Task<(StoredPartition? Partition, List<string> Permits)> ReadPartitionRowsAsync(string pk, CancellationToken cancellationToken)
    {
        await EnsureTableSafeAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var rows = new List<TableEntity>();
            try
            {
                await foreach (var row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk}"), cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(row);
                }
            }
            catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
            {
                throw StorageFaults.Unavailable(e);
            }
            var permits = rows
                .Where(r => r.RowKey.StartsWith(TableKeys.PermitPrefix, StringComparison.Ordinal))
                .Select(r => r.RowKey[TableKeys.PermitPrefix.Length..])
                .ToList();
            var partition = Assemble(pk, rows);
            if (partition is null || !partition.Torn)
            {
                return (partition is null ? null : partition with { Permits = permits }, permits);
            }
        }
        throw new StorageUnavailableException($"Group partition {pk} kept changing while being read.");
    }

    /// <summary>Builds a group from its rows; null if there is no head; Torn if the head's chunks are not all there.</summary>
    /// <param name="failureIfAbsent">The failure time to use when <paramref name="rows"/> has no failure row
    /// (a delta of changed rows: an unchanged failure row is not in it).</param>
    private static StoredPartition? Assemble(string pk, List<TableEntity> rows, DateTimeOffset? failureIfAbsent = null)
    {
        var head = rows.FirstOrDefault(r => r.RowKey == TableKeys.HeadRow);
        var chunkRows = rows.Where(r => r.RowKey.StartsWith(TableKeys.ChunkPrefix, StringComparison.Ordinal)).ToList();
        if (head is null)
        {
            return null;
        }
        var hasFailureRow = rows.Any(r => r.RowKey == TableKeys.FailureRow);
        if (head.GetBoolean("Deleted") == true)
        {
            return new StoredPartition(null, head, chunkRows, Torn: false, hasFailureRow);
        }
        var failure = rows.FirstOrDefault(r => r.RowKey == TableKeys.FailureRow);
        var key = GroupingKey.Create(ReadLabels(head.GetString("Labels")));
        byte[] bytes;
        var chunks = head.GetInt32("Chunks") ?? 0;
        if (chunks == 0)
        {
            bytes = Concat([head]);
        }
        else
        {
            var version = head.GetString("Version");
            var mine = chunkRows
                .Where(r => r.RowKey.StartsWith(TableKeys.ChunkPrefix + version + "|", StringComparison.Ordinal))
                .OrderBy(r => r.RowKey, StringComparer.Ordinal)
                .ToList();
            if (mine.Count != chunks)
            {
                return new StoredPartition(null!, head, chunkRows, Torn: true);
            }
            bytes = Concat(mine);
        }
        var length = head.GetInt32("Length") ?? bytes.Length;
        var families = GroupPayloadCodec.Decode(bytes.AsSpan(0, length), head.GetString("Encoding"));
        var group = new MetricGroup(
            key,
            families,
            ToTime(head.GetInt64("PushTicks")),
            failure is null ? failureIfAbsent : ToTime(failure.GetInt64("FailureTicks")),
            ToTime(head.GetInt64("ExpiresTicks")),
            head.GetInt64("TtlTicks") is { } ttl ? TimeSpan.FromTicks(ttl) : null);
        return new StoredPartition(group, head, chunkRows, Torn: false, hasFailureRow);
    }

    /// <summary>
    /// Writes the head: blind, or conditionally on the head read (created if none was). With a permit,
    /// in one transaction with a merge of the permit row that fails if the permit was revoked.
    /// </summary>
    private async Task WriteHeadAsync(TableEntity head, StoredPartition? current, bool conditional, GroupPermit? permit, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        if (permit is not null)
        {
            var write = !conditional ? new TableTransactionAction(TableTransactionActionType.UpsertReplace, head)
                : current is null ? new TableTransactionAction(TableTransactionActionType.Add, head)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, head, current.Head.ETag);
            var check = new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(head.PartitionKey, TableKeys.PermitRow(permit.Id)), ETag.All);
            await _table.SubmitTransactionAsync([write, check], cancellationToken).ConfigureAwait(false);
        }
        else if (!conditional)
        {
            await _table.UpsertEntityAsync(head, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        else if (current is null)
        {
            await _table.AddEntityAsync(head, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _table.UpdateEntityAsync(head, current.Head.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// New chunk rows under a fresh version first, then the head flips to them with the ETag
    /// read before (so a concurrent writer makes this one retry), then the old chunks go.
    /// </summary>
    private async Task WriteLargeAsync(string pk, GroupingKey key, GroupContent content, string encoding, byte[] bytes, StoredPartition? current, GroupPermit? permit, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var version = Guid.NewGuid().ToString("N");
        var chunkEntities = new List<TableEntity>();
        for (int offset = 0, index = 0; offset < bytes.Length || index == 0; offset += InlineLimit, index++)
        {
            var entity = new TableEntity(pk, TableKeys.ChunkRow(version, index));
            SetData(entity, bytes.AsSpan(offset, Math.Min(InlineLimit, bytes.Length - offset)));
            chunkEntities.Add(entity);
        }
        var needsChunks = bytes.Length > InlineLimit;
        if (needsChunks)
        {
            foreach (var batch in chunkEntities.Chunk(ChunkRowsPerTransaction))
            {
                await _table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken).ConfigureAwait(false);
            }
        }
        var head = needsChunks
            ? NewHead(pk, key, content, encoding, [], version, chunkEntities.Count, bytes.Length)
            : NewHead(pk, key, content, encoding, bytes, null, 0);
        try
        {
            await WriteHeadAsync(head, current, conditional: true, permit, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            if (needsChunks)
            {
                await DeleteRowsBestEffortAsync(pk, chunkEntities.Select(c => c.RowKey), cancellationToken).ConfigureAwait(false);
            }
            throw;
        }
        if (current is not null)
        {
            await DeleteRowsBestEffortAsync(pk, current.ChunkRows.Select(c => c.RowKey), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DeleteRowsBestEffortAsync(string pk, IEnumerable<string> rowKeys, CancellationToken cancellationToken)
    {
        foreach (var batch in rowKeys.Chunk(MaxTransactionActions))
        {
            foreach (var rowKey in batch)
            {
                try
                {
                    // A single delete tolerates a row already gone (it returns 404, it does not throw).
                    await _table.DeleteEntityAsync(pk, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException e)
                {
                    _logger.LogWarning(e, "Could not remove old chunk row of partition {Partition}; it is ignored by readers", pk);
                }
            }
        }
    }

    /// <summary>
    /// Turns the head into a tombstone and removes the other rows, in one transaction (so readers see
    /// the group or nothing). A group that does not exist gets no tombstone, nor does a partition
    /// that holds another group's labels.
    /// </summary>
    private async Task DeletePartitionAsync(string pk, GroupingKey key, CancellationToken cancellationToken)
    {
        await EnsureTableSafeAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
        {
            var rows = new List<TableEntity>();
            await foreach (var row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk}"), select: ["RowKey", "Labels", "Deleted"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows.Add(row);
            }
            var head = rows.FirstOrDefault(r => r.RowKey == TableKeys.HeadRow);
            if (head is null || head.GetBoolean("Deleted") == true || !LabelsOf(head).Equals(key))
            {
                return;
            }
            var tombstone = new TableEntity(pk, TableKeys.HeadRow)
            {
                ["Labels"] = head.GetString("Labels"),
                ["Deleted"] = true,
                ["ExpiresTicks"] = (_time.GetUtcNow() + TombstoneRetention).UtcTicks,
            };
            await RecordExpiryAsync(pk, key, _time.GetUtcNow() + TombstoneRetention, permit: null, cancellationToken).ConfigureAwait(false);
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
                var first = others.Take(MaxTransactionActions - 2)
                    .Select(rk => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(pk, rk), ETag.All))
                    .Concat(failure)
                    .Prepend(new TableTransactionAction(TableTransactionActionType.UpdateReplace, tombstone, head.ETag));
                await _table.SubmitTransactionAsync(first, cancellationToken).ConfigureAwait(false);
                // Only huge groups have more rows than one transaction takes; readers ignore them already.
                await DeleteRowsBestEffortAsync(pk, others.Skip(MaxTransactionActions - 2), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
            {
                // A concurrent writer or deleter changed the rows: list them again.
            }
        }
    }

    /// <summary>
    /// Upserts the expiry index entry, unless this instance wrote the entry for this bucket under the
    /// same permit. The sweep deletes an entry only together with its group and the group's permits,
    /// or when a later entry exists, or when the entry was not written again since the sweep listed it;
    /// so while the permit works the entry is there, and a write under a revoked permit fails and is
    /// retried under a new permit, which writes the entry again.
    /// </summary>
    private async Task RecordExpiryAsync(string pk, GroupingKey key, DateTimeOffset? expiresAt, GroupPermit? permit, CancellationToken cancellationToken)
    {
        if (expiresAt is not { } expires)
        {
            return;
        }
        var bucket = TableKeys.ExpiryPartition(expires);
        if (permit is not null && _expiryEntriesWritten.TryGetValue(pk, out var written) && written == (permit.Id, bucket))
        {
            return;
        }
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        await _table.UpsertEntityAsync(ExpiryEntry(pk, key, expires), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        if (permit is null)
        {
            return;
        }
        if (_expiryEntriesWritten.Count > 100_000)
        {
            _expiryEntriesWritten.Clear();
        }
        _expiryEntriesWritten[pk] = (permit.Id, bucket);
    }

    private static TableEntity ExpiryEntry(string pk, GroupingKey key, DateTimeOffset expires) =>
        new(TableKeys.ExpiryPartition(expires), pk)
        {
            ["Labels"] = WriteLabels(key),
            ["ExpiresTicks"] = expires.UtcTicks,
        };

    /// <summary>
    /// Deletes a group's rows if its head still has the ETag read and its permits are all still there,
    /// the head and the permits in one transaction (so no write with one of those permits can land
    /// after the head is gone); false if anything changed.
    /// </summary>
    private async Task<bool> DeleteGroupIfUnchangedAsync(string pk, StoredPartition partition, CancellationToken cancellationToken)
    {
        var others = partition.ChunkRows.Select(r => r.RowKey).ToList();
        if (partition.HasFailureRow)
        {
            others.Add(TableKeys.FailureRow);
        }
        var permits = partition.Permits.Select(TableKeys.PermitRow).ToList();
        // Revoking is always safe: permits beyond what one transaction takes go first, on their own.
        foreach (var rowKey in permits.Skip(MaxTransactionActions - 1))
        {
            await _table.DeleteEntityAsync(pk, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        var actions = permits.Take(MaxTransactionActions - 1)
            .Select(rk => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(pk, rk), ETag.All))
            .Prepend(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(pk, TableKeys.HeadRow), partition.Head.ETag));
        try
        {
            // The failure row may not exist, and a missing row fails a transaction: delete it apart.
            await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
        foreach (var rowKey in others)
        {
            await _table.DeleteEntityAsync(pk, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        return true;
    }

    private async IAsyncEnumerable<GroupingKey> QueryKeysAsync(string filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await EnsureTableSafeAsync(cancellationToken).ConfigureAwait(false);
        await using var enumerator = _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["Labels", "Deleted"], cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
            {
                throw StorageFaults.Unavailable(e);
            }
            if (enumerator.Current.GetBoolean("Deleted") != true)
            {
                yield return GroupingKey.Create(ReadLabels(enumerator.Current.GetString("Labels")));
            }
        }
    }

    private static TableEntity NewHead(string pk, GroupingKey key, GroupContent content, string encoding, ReadOnlySpan<byte> inline, string? version, int chunks, int? length = null)
    {
        var head = new TableEntity(pk, TableKeys.HeadRow)
        {
            ["Labels"] = WriteLabels(key),
            ["PushTicks"] = content.PushTime.UtcTicks,
            ["Encoding"] = encoding,
            ["Chunks"] = chunks,
            ["Length"] = length ?? inline.Length,
        };
        if (version is not null)
        {
            head["Version"] = version;
        }
        if (content.ExpiresAt is { } expires)
        {
            head["ExpiresTicks"] = expires.UtcTicks;
            head["TtlTicks"] = content.Ttl!.Value.Ticks;
        }
        SetData(head, inline);
        return head;
    }

    private static void SetData(TableEntity entity, ReadOnlySpan<byte> bytes)
    {
        for (int offset = 0, i = 0; offset < bytes.Length; offset += PropertyBytes, i++)
        {
            entity["D" + i] = bytes.Slice(offset, Math.Min(PropertyBytes, bytes.Length - offset)).ToArray();
        }
    }

    private static byte[] Concat(IEnumerable<TableEntity> entities)
    {
        using var buffer = new MemoryStream();
        foreach (var entity in entities)
        {
            for (var i = 0; i < PropertiesPerEntity; i++)
            {
                if (entity.GetBinary("D" + i) is not { } part)
                {
                    break;
                }
                buffer.Write(part);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Throws unless the partition read is free for <paramref name="key"/>: absent, a tombstone (its
    /// group is deleted), or that very group. Only a hashed partition key can be shared, which takes
    /// a SHA-256 collision. The write is refused, before anything of it is stored, as storage
    /// unavailable (503): the contract's one failure a client can act on, and never a false 2xx, a
    /// 500, or another group overwritten. Giving the second group a partition of its own (probing
    /// for a free key) would make every reader follow the probe chain, for a case that never occurs;
    /// a distinct 409 would need a new error in the contract for the same case.
    /// </summary>
    private static void EnsureFreeFor(StoredPartition? current, GroupingKey key, string pk)
    {
        if (current?.Group is { } held && !held.Key.Equals(key))
        {
            // The other group's labels stay out of the answer: the pusher may have no right to read them.
            throw new StorageUnavailableException($"Group {key} cannot be stored: its hashed partition key {pk} is held by another group.");
        }
    }

    internal static GroupingKey LabelsOf(TableEntity head) => GroupingKey.Create(ReadLabels(head.GetString("Labels")));

    private static string WriteLabels(GroupingKey key) =>
        JsonSerializer.Serialize(key.Labels.Select(l => new[] { l.Key, l.Value }));

    private static IEnumerable<KeyValuePair<string, string>> ReadLabels(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<string[][]>(json)!.Select(p => KeyValuePair.Create(p[0], p[1]));

    private static DateTimeOffset? ToTime(long? ticks) => ticks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>
    /// Creates the table once (when configured); a failed attempt (storage down at the first request)
    /// is not remembered, so the next request tries again. A table lost later is recreated by
    /// <see cref="TableRecreationPolicy"/>.
    /// </summary>
    /// <remarks>The creation is shared by every request and runs to its own end (bounded by the SDK's
    /// retries); each request waits for it only until its own deadline.</remarks>
    private Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (!_createTable)
        {
            return Task.CompletedTask;
        }
        var task = _ensureTable;
        if (task is null || task.IsFaulted || task.IsCanceled)
        {
            task = _table.CreateIfNotExistsAsync(CancellationToken.None);
            _ensureTable = task;
        }
        return task.WaitAsync(cancellationToken);
    }

    private async Task EnsureTableSafeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
        {
            throw StorageFaults.Unavailable(e);
        }
    }

    /// <summary>A group's rows; <see cref="Group"/> is null for a tombstone.</summary>
    private sealed record StoredPartition(MetricGroup? Group, TableEntity Head, List<TableEntity> ChunkRows, bool Torn, bool HasFailureRow = false)
    {
        /// <summary>Ids of the group's write permits.</summary>
        public IReadOnlyList<string> Permits { get; init; } = [];

        public bool IsTombstone => Group is null && !Torn;
    }
}
