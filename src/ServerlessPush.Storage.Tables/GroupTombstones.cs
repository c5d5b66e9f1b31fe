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

    /// <summary>Below this many groups of one job, a bulk delete reads each group's partition; from it on, one scan of the job's key range.</summary>
    public const int JobScanThreshold = 8;

    private const int MaxAttempts = 64;

    private static readonly string[] RowColumns = ["PartitionKey", "RowKey", "Labels", "Deleted"];

    /// <summary>A group that does not exist gets no tombstone, nor does a partition that holds another group's labels.</summary>
    public async Task DeleteAsync(GroupingKey key, CancellationToken cancellationToken)
    {
        var pk = TableKeys.GroupPartition(key);
        await table.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var rows = new List<TableEntity>();
            await foreach (var row in table.Client.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk}"), select: RowColumns, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows.Add(row);
            }
            if (Head(rows, key) is null)
            {
                return;
            }
            var expires = time.GetUtcNow() + Retention;
            await expiry.RecordAsync(pk, key, expires, permit: null, cancellationToken).ConfigureAwait(false);
            if (await TryCommitAsync(pk, rows, expires, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
            // A concurrent writer or deleter changed the rows: list them again.
        }
    }

    /// <summary>
    /// Many groups at once, each as <see cref="DeleteAsync"/> does it, in fewer calls: the rows of a
    /// job's groups come from one scan of the job's key range (instead of a query per group), and the
    /// tombstones' expiry entries go 100 to a transaction (they share a bucket partition), so a group
    /// costs its one transaction. The entries are written before any tombstone, which keeps the order
    /// the sweep relies on; an entry whose tombstone then did not land points at a group that is not
    /// expired, which the sweep drops. A group whose rows changed after the scan (its transaction fails
    /// on the head's ETag) is deleted again by <see cref="DeleteAsync"/>, which reads it afresh.
    /// </summary>
    public async Task DeleteManyAsync(IReadOnlyCollection<GroupingKey> keys, int maxConcurrentCalls, CancellationToken cancellationToken)
    {
        await table.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxConcurrentCalls), CancellationToken = cancellationToken };
        var byPartition = keys.Distinct().ToDictionary(TableKeys.GroupPartition, StringComparer.Ordinal);
        var byJob = byPartition.GroupBy(p => TableKeys.JobPrefix(p.Value.Job)).ToList();

        // Few groups of a job: the one-at-a-time path costs less than scanning the job's range.
        var single = byJob.Where(j => j.Count() < JobScanThreshold).SelectMany(j => j.Select(p => p.Value)).ToList();
        var scanned = byJob.Where(j => j.Count() >= JobScanThreshold).ToList();
        var found = new List<(string Pk, GroupingKey Key, List<TableEntity> Rows)>();
        foreach (var job in scanned)
        {
            var wanted = job.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            var rows = new Dictionary<string, List<TableEntity>>(StringComparer.Ordinal);
            var filter = TableClient.CreateQueryFilter($"PartitionKey ge {job.Key} and PartitionKey lt {TableKeys.JobRangeEnd(job.First().Value.Job)}");
            await foreach (var row in table.ScanAsync(filter, RowColumns, cancellationToken).ConfigureAwait(false))
            {
                if (wanted.ContainsKey(row.PartitionKey))
                {
                    (rows.TryGetValue(row.PartitionKey, out var list) ? list : rows[row.PartitionKey] = []).Add(row);
                }
            }
            found.AddRange(rows.Where(r => Head(r.Value, wanted[r.Key]) is not null).Select(r => (r.Key, wanted[r.Key], r.Value)));
        }

        var expires = time.GetUtcNow() + Retention;
        await expiry.RecordManyAsync(found.Select(f => (f.Pk, f.Key)), expires, parallel, cancellationToken).ConfigureAwait(false);
        var raced = new System.Collections.Concurrent.ConcurrentBag<GroupingKey>();
        await Parallel.ForEachAsync(found, parallel, async (group, ct) =>
        {
            if (!await TryCommitAsync(group.Pk, group.Rows, expires, ct).ConfigureAwait(false))
            {
                raced.Add(group.Key);
            }
        }).ConfigureAwait(false);
        await Parallel.ForEachAsync(single.Concat(raced), parallel, async (key, ct) => await DeleteAsync(key, ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>The head of the group <paramref name="key"/> among its partition's rows; null if there is none to delete (absent, a tombstone already, another group's labels).</summary>
    private static TableEntity? Head(List<TableEntity> rows, GroupingKey key)
    {
        var head = rows.FirstOrDefault(r => r.RowKey == TableKeys.HeadRow);
        return head is null || GroupRows.IsDeleted(head) || !GroupRows.LabelsOf(head).Equals(key) ? null : head;
    }

    /// <summary>
    /// The tombstone transaction over the rows as read: false if a concurrent writer or deleter changed
    /// them (the head's ETag, or a row already gone).
    /// </summary>
    private async Task<bool> TryCommitAsync(string pk, List<TableEntity> rows, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        var head = rows.First(r => r.RowKey == TableKeys.HeadRow);
        var tombstone = GroupRows.Tombstone(pk, head, expires);
        // Permits go in the first transaction, with the head: a deleted group's writers must register its names again.
        var others = rows.Where(r => r.RowKey is not (TableKeys.HeadRow or TableKeys.FailureRow))
            .Select(r => r.RowKey)
            .OrderBy(rk => rk.StartsWith(TableKeys.PermitPrefix, StringComparison.Ordinal) ? 0 : 1)
            .ToList();
        // The failure row is emptied in the same transaction, so a re-created group starts without the old failure time.
        var failure = rows.Any(r => r.RowKey == TableKeys.FailureRow)
            ? [new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(pk, TableKeys.FailureRow))]
            : Array.Empty<TableTransactionAction>();
        var first = others.Take(GroupTable.MaxTransactionActions - 2)
            .Select(rk => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(pk, rk), ETag.All))
            .Concat(failure)
            .Prepend(new TableTransactionAction(TableTransactionActionType.UpdateReplace, tombstone, head.ETag));
        try
        {
            await table.Client.SubmitTransactionAsync(first, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
        // Only huge groups have more rows than one transaction takes; readers ignore them already.
        await table.DeleteRowsBestEffortAsync(pk, others.Skip(GroupTable.MaxTransactionActions - 2), cancellationToken).ConfigureAwait(false);
        return true;
    }
}
