using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// The expiry index (partitions <c>x&lt;bucket&gt;</c>, one row per group partition) and the sweep's
/// conditional deletes: listing what is due reads only the buckets up to now, whatever the number of
/// groups. The argument for why no group is missed is in docs/consistency.md ("The expiry index").
/// </summary>
internal sealed class ExpiryIndex(GroupTable table)
{
    // Optimistic loops retry at most this often.
    private const int MaxAttempts = 64;

    // Per group partition: the permit and expiry bucket of the entry this instance last wrote.
    private readonly ConcurrentDictionary<string, (string Permit, string Bucket)> _written = new(StringComparer.Ordinal);

    /// <summary>
    /// Upserts the expiry index entry, unless this instance wrote the entry for this bucket under the
    /// same permit and has written no expiry-less version of the group since. The sweep deletes an
    /// entry only together with its group and the group's permits, or when a later entry exists, or
    /// when the group (read after the entry was listed) does not expire by then and the entry was not
    /// written again since it was listed; so while the permit works and the group kept an expiry, the
    /// entry is there, and a write under a revoked permit fails and is retried under a new permit,
    /// which writes the entry again.
    /// </summary>
    public async Task RecordAsync(string pk, GroupingKey key, DateTimeOffset? expiresAt, GroupPermit? permit, CancellationToken cancellationToken)
    {
        if (expiresAt is not { } expires)
        {
            // The group no longer expires, so the sweep may delete the entry written before: it is no
            // longer known to be there.
            _written.TryRemove(pk, out _);
            return;
        }
        var bucket = TableKeys.ExpiryPartition(expires, pk);
        if (permit is not null && _written.TryGetValue(pk, out var written) && written == (permit.Id, bucket))
        {
            return;
        }
        await table.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await table.Client.UpsertEntityAsync(GroupRows.ExpiryEntry(pk, key, expires), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        if (permit is null)
        {
            return;
        }
        if (_written.Count > 100_000)
        {
            _written.Clear();
        }
        _written[pk] = (permit.Id, bucket);
    }

    /// <summary>
    /// Upserts the entries of many groups expiring at one time: they share a bucket's shard
    /// partitions, so they go up to 100 to a transaction (one call instead of one per group).
    /// </summary>
    public async Task RecordManyAsync(IEnumerable<(string Pk, GroupingKey Key)> groups, DateTimeOffset expiresAt, ParallelOptions parallel, CancellationToken cancellationToken)
    {
        var batches = groups.Select(g => GroupRows.ExpiryEntry(g.Pk, g.Key, expiresAt))
            .GroupBy(entry => entry.PartitionKey, StringComparer.Ordinal)
            .SelectMany(shard => shard.Select(entry => new TableTransactionAction(TableTransactionActionType.UpsertReplace, entry)).Chunk(GroupTable.MaxTransactionActions));
        await table.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(batches, parallel, async (batch, ct) =>
            await table.Client.SubmitTransactionAsync(batch, ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<ExpiryCandidate> ListCandidatesAsync(DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await table.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        // Every entry due by now sits in a partition up to now's bucket (any shard); later buckets are not read.
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {TableKeys.ExpiryPrefix} and PartitionKey lt {TableKeys.ExpiryRangeEnd(now)}");
        await foreach (var row in table.ScanAsync(filter, ["PartitionKey", "RowKey", "Labels", "ExpiresTicks"], cancellationToken).ConfigureAwait(false))
        {
            var expires = GroupRows.ToTime(row.GetInt64("ExpiresTicks")) ?? DateTimeOffset.MinValue;
            if (expires <= now)
            {
                yield return new ExpiryCandidate(GroupRows.LabelsOf(row), expires, new EntryRef(row.PartitionKey, row.RowKey, row.ETag).ToString());
            }
        }
    }

    public async Task<bool> DeleteIfExpiredAsync(ExpiryCandidate candidate, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pk = TableKeys.GroupPartition(candidate.Key);
        var entry = EntryRef.Parse(candidate.IndexEntry);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var partition = await table.ReadPartitionAsync(pk, cancellationToken).ConfigureAwait(false);
            // A tombstone expires like a group, once every view has had time to see the deletion.
            var expires = partition is null ? null
                : partition.IsTombstone ? GroupRows.ToTime(partition.Head.GetInt64("ExpiresTicks"))
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
                await table.Client.UpsertEntityAsync(GroupRows.ExpiryEntry(pk, partition?.Group?.Key ?? candidate.Key, later), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                if (TableKeys.ExpiryPartition(later, pk) == entry.Partition)
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
        foreach (var rowKey in permits.Skip(GroupTable.MaxTransactionActions - 1))
        {
            await table.Client.DeleteEntityAsync(pk, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        var actions = permits.Take(GroupTable.MaxTransactionActions - 1)
            .Select(rk => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(pk, rk), ETag.All))
            .Prepend(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(pk, TableKeys.HeadRow), partition.Head.ETag));
        try
        {
            // The failure row may not exist, and a missing row fails a transaction: delete it apart.
            await table.Client.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
        foreach (var rowKey in others)
        {
            await table.Client.DeleteEntityAsync(pk, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>
    /// Drops a swept entry unless a writer upserted it after it was listed (then it is that writer's
    /// entry, for a group it has just written: it must stay).
    /// </summary>
    private async Task DeleteEntryIfUnchangedAsync(EntryRef entry, CancellationToken cancellationToken)
    {
        try
        {
            await table.Client.DeleteEntityAsync(entry.Partition, entry.Row, entry.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
        }
    }

    /// <summary>Where an expiry entry is and the version it was listed at, carried by <see cref="ExpiryCandidate.IndexEntry"/>.</summary>
    private readonly record struct EntryRef(string Partition, string Row, ETag ETag)
    {
        public override string ToString() => $"{Partition}\n{Row}\n{ETag}";

        public static EntryRef Parse(string text)
        {
            var parts = text.Split('\n');
            return new EntryRef(parts[0], parts[1], new ETag(parts[2]));
        }
    }
}
