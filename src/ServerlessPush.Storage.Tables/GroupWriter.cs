using Azure;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// Writes one group. A PUT of an ordinary group is one transaction (head upsert, permit check). A POST
/// reads the partition and writes with the head's ETag, retrying when another writer won; so does a
/// PUT of a group whose partition key is hashed (<see cref="TableKeys.IsHashed"/>), which must first
/// learn whose partition it is. Writers of one instance queue per group (<see cref="PartitionWriteQueue"/>);
/// the queue and the retries share one time budget, after which the write is answered 503.
/// </summary>
internal sealed class GroupWriter(GroupTable table, HeadWriter heads, LargeGroupWriter large, ExpiryIndex expiry, GroupPermits permits, TimeSpan contendedWriteBudget)
{
    private readonly PartitionWriteQueue _queue = new();

    public async Task WriteAsync(GroupingKey key, GroupMutation mutation, GroupPermit? permit, CancellationToken cancellationToken)
    {
        var pk = TableKeys.GroupPartition(key);
        // A hashed partition may be another group's: it is written only with the ETag of a head read
        // and found to be this group's (or with an insert, if there was none).
        var conditional = mutation.NeedsCurrent || TableKeys.IsHashed(pk);
        // The budget bounds the waits (the queue and the pauses), not storage calls in flight.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(contendedWriteBudget);
        IDisposable turn;
        try
        {
            turn = await _queue.EnterAsync(pk, budget.Token).ConfigureAwait(false);
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
                IReadOnlyList<string> held;
                (current, held) = await table.ReadPartitionRowsAsync(pk, cancellationToken).ConfigureAwait(false);
                if (permit is not null && !held.Contains(permit.Id))
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
                await expiry.RecordAsync(pk, key, content.ExpiresAt, permit, cancellationToken).ConfigureAwait(false);
                if (bytes.Length <= GroupRows.InlineLimit && (current is null || current.ChunkRows.Count == 0))
                {
                    var head = GroupRows.NewHead(pk, key, content, encoding, bytes, version: null, chunks: 0);
                    await heads.WriteAsync(head, current, conditional, permit, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // Large groups, or replacing one: the old chunk rows must be known to be removed.
                    current ??= await table.ReadPartitionAsync(pk, cancellationToken).ConfigureAwait(false);
                    EnsureFreeFor(current, key, pk);
                    await large.WriteAsync(pk, key, content, encoding, bytes, current, permit, cancellationToken).ConfigureAwait(false);
                }
                return;
            }
            catch (RequestFailedException e) when (e.Status is 412 or 409 or 404)
            {
                // Another writer changed the group between our read and our write, or the sweep deleted
                // it (404), or the permit was revoked. Only the last is final; else read again.
                // (A read-modify-write learns of a revocation from its next read.)
                if (permit is not null && !conditional && !await permits.ExistsAsync(pk, permit, cancellationToken).ConfigureAwait(false))
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
        }
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

    /// <summary>Never a 500, never a false success: the client is told to retry.</summary>
    private StorageUnavailableException Contended(string pk, Exception? inner) =>
        new($"Group {pk} is busy with other writes (waited {contendedWriteBudget.TotalSeconds:0} s); try again.", inner);
}
