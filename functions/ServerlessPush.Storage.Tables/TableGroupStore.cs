using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// Groups in Azure Table Storage, one partition per group:
/// <list type="bullet">
/// <item><c>head</c>: labels, push time, expiry, and the families (inline binary properties, or a
/// version naming its chunk rows). Writing the head is what makes a write visible, so a write is atomic.</item>
/// <item><c>failure</c>: the last failure time, a row of its own so that a blind PUT keeps it.</item>
/// <item><c>chunk|version|n</c>: families of groups too large for one entity, written before the head flips.</item>
/// </list>
/// A deleted group leaves a tombstone head for <see cref="TombstoneRetention"/>, so that every
/// instance's scrape view (refreshed with only the rows changed since its last scrape) learns of
/// the deletion; the expiry sweep removes tombstones like expired groups.
/// A PUT of an ordinary group is one upsert. A POST reads the partition and writes with the head's
/// ETag, retrying when another writer won.
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
    // Optimistic writes retry with growing, jittered pauses: 32 concurrent POSTs to one group must all land.
    private const int MaxWriteAttempts = 64;

    /// <summary>How long a deleted group's tombstone stays: longer than any view goes without a full reload.</summary>
    internal static readonly TimeSpan TombstoneRetention = TimeSpan.FromHours(1);

    private readonly TableClient _table;
    private readonly ILogger<TableGroupStore> _logger;
    private readonly TimeProvider _time;
    private readonly bool _createTable;
    private Task? _ensureTable;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _expiryEntriesWritten = new(StringComparer.Ordinal);

    public TableGroupStore(TableClient table, TableStorageOptions options, TimeProvider time, ILogger<TableGroupStore> logger)
    {
        _table = table;
        _time = time;
        _logger = logger;
        _createTable = options.CreateTableIfMissing;
    }

    public async Task<MetricGroup?> GetAsync(GroupingKey key, CancellationToken cancellationToken = default)
    {
        var partition = await ReadPartitionAsync(TableKeys.GroupPartition(key), cancellationToken).ConfigureAwait(false);
        return partition?.Group;
    }

    public async Task WriteAsync(GroupingKey key, GroupMutation mutation, CancellationToken cancellationToken = default)
    {
        var pk = TableKeys.GroupPartition(key);
        for (var attempt = 1; ; attempt++)
        {
            var current = mutation.NeedsCurrent ? await ReadPartitionAsync(pk, cancellationToken).ConfigureAwait(false) : null;
            var content = mutation.Apply(current?.Group);
            var (bytes, encoding) = GroupPayloadCodec.Encode(content.Families);
            try
            {
                // The index entry goes first: a group whose write lands is always findable by the sweep.
                await RecordExpiryAsync(pk, key, content.ExpiresAt, cancellationToken).ConfigureAwait(false);
                if (bytes.Length <= InlineLimit && (current is null || current.ChunkRows.Count == 0))
                {
                    var head = NewHead(pk, key, content, encoding, bytes, version: null, chunks: 0);
                    await WriteHeadAsync(head, mutation.NeedsCurrent ? current : null, mutation.NeedsCurrent, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // Large groups, or replacing one: the old chunk rows must be known to be removed.
                    current ??= await ReadPartitionAsync(pk, cancellationToken).ConfigureAwait(false);
                    await WriteLargeAsync(pk, key, content, encoding, bytes, current, cancellationToken).ConfigureAwait(false);
                }
                return;
            }
            catch (RequestFailedException e) when ((e.Status is 412 or 409) && attempt < MaxWriteAttempts)
            {
                // Another writer changed the group between our read and our write: read again.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, Math.Min(10 * attempt, 250))), cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status is 412 or 409)
            {
                // Never a 500, never a false success: the client is told to retry.
                throw new StorageUnavailableException($"Group {pk} kept changing under concurrent writes; try again.", e);
            }
            catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
            {
                throw StorageFaults.Unavailable(e);
            }
        }
    }

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
                var head = await _table.GetEntityIfExistsAsync<TableEntity>(pk, TableKeys.HeadRow, ["Deleted"], cancellationToken).ConfigureAwait(false);
                if (!head.HasValue || head.Value!.GetBoolean("Deleted") == true)
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
            await DeletePartitionAsync(pk, cancellationToken).ConfigureAwait(false);
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
        await using var enumerator = _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey", "Labels", "ExpiresTicks"], cancellationToken: cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
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
            var row = enumerator.Current;
            var expires = ToTime(row.GetInt64("ExpiresTicks")) ?? DateTimeOffset.MinValue;
            if (expires <= now)
            {
                yield return new ExpiryCandidate(GroupingKey.Create(ReadLabels(row.GetString("Labels"))), expires, row.PartitionKey + "\n" + row.RowKey);
            }
        }
    }

    public async Task<bool> DeleteIfExpiredAsync(ExpiryCandidate candidate, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var pk = TableKeys.GroupPartition(candidate.Key);
        var entry = candidate.IndexEntry.Split('\n');
        try
        {
            var partition = await ReadPartitionAsync(pk, cancellationToken).ConfigureAwait(false);
            var deleted = false;
            if (partition is { IsTombstone: true } && ToTime(partition.Head.GetInt64("ExpiresTicks")) <= now)
            {
                // A deletion every view has had time to see: remove the tombstone for good.
                await DeleteGroupIfUnchangedAsync(pk, partition, cancellationToken).ConfigureAwait(false);
            }
            else if (partition?.Group is not null && partition.Group.IsExpiredAt(now))
            {
                deleted = await DeleteGroupIfUnchangedAsync(pk, partition, cancellationToken).ConfigureAwait(false);
            }
            else if (partition?.Group?.ExpiresAt is { } renewed && TableKeys.ExpiryPartition(renewed) == entry[0])
            {
                // Renewed within the same bucket (the entry was not rewritten): keep the entry, with the new time.
                await _table.UpsertEntityAsync(ExpiryEntry(pk, candidate.Key, renewed), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return false;
            }
            else if (partition?.Group?.ExpiresAt is { } later)
            {
                // Renewed into a later bucket: make sure that bucket has the entry, then drop this one.
                await _table.UpsertEntityAsync(ExpiryEntry(pk, candidate.Key, later), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }
            await _table.DeleteEntityAsync(entry[0], entry[1], ETag.All, cancellationToken).ConfigureAwait(false);
            return deleted;
        }
        catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
        {
            throw StorageFaults.Unavailable(e);
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

    private async Task<StoredPartition?> ReadPartitionAsync(string pk, CancellationToken cancellationToken)
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
            var partition = Assemble(pk, rows);
            if (partition is null || !partition.Torn)
            {
                return partition;
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

    private async Task WriteHeadAsync(TableEntity head, StoredPartition? current, bool conditional, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        if (!conditional)
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
    private async Task WriteLargeAsync(string pk, GroupingKey key, GroupContent content, string encoding, byte[] bytes, StoredPartition? current, CancellationToken cancellationToken)
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
            await WriteHeadAsync(head, current, conditional: true, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
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
    /// the group or nothing). A group that does not exist gets no tombstone.
    /// </summary>
    private async Task DeletePartitionAsync(string pk, CancellationToken cancellationToken)
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
            if (head is null || head.GetBoolean("Deleted") == true)
            {
                return;
            }
            var tombstone = new TableEntity(pk, TableKeys.HeadRow)
            {
                ["Labels"] = head.GetString("Labels"),
                ["Deleted"] = true,
                ["ExpiresTicks"] = (_time.GetUtcNow() + TombstoneRetention).UtcTicks,
            };
            var key = GroupingKey.Create(ReadLabels(head.GetString("Labels")));
            await RecordExpiryAsync(pk, key, _time.GetUtcNow() + TombstoneRetention, cancellationToken).ConfigureAwait(false);
            var others = rows.Where(r => r.RowKey is not (TableKeys.HeadRow or TableKeys.FailureRow)).Select(r => r.RowKey).ToList();
            try
            {
                // The failure row is emptied, not deleted: views refreshed by changed rows would not
                // see a deletion, and would give a re-created group the old failure time.
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

    /// <summary>Upserts the expiry index entry, unless this instance already wrote it for this bucket.</summary>
    private async Task RecordExpiryAsync(string pk, GroupingKey key, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        if (expiresAt is not { } expires)
        {
            return;
        }
        var cacheKey = TableKeys.ExpiryPartition(expires) + "\n" + pk;
        if (_expiryEntriesWritten.ContainsKey(cacheKey))
        {
            return;
        }
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        await _table.UpsertEntityAsync(ExpiryEntry(pk, key, expires), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        if (_expiryEntriesWritten.Count > 100_000)
        {
            _expiryEntriesWritten.Clear();
        }
        _expiryEntriesWritten.TryAdd(cacheKey, 0);
    }

    private static TableEntity ExpiryEntry(string pk, GroupingKey key, DateTimeOffset expires) =>
        new(TableKeys.ExpiryPartition(expires), pk)
        {
            ["Labels"] = WriteLabels(key),
            ["ExpiresTicks"] = expires.UtcTicks,
        };

    /// <summary>Deletes a group's rows if its head still has the ETag read; false if it changed or is gone.</summary>
    private async Task<bool> DeleteGroupIfUnchangedAsync(string pk, StoredPartition partition, CancellationToken cancellationToken)
    {
        var others = partition.ChunkRows.Select(r => r.RowKey).ToList();
        if (partition.HasFailureRow)
        {
            others.Add(TableKeys.FailureRow);
        }
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Delete, new TableEntity(pk, TableKeys.HeadRow), partition.Head.ETag),
        };
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
        public bool IsTombstone => Group is null && !Torn;
    }
}
