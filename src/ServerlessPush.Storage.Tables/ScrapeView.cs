using System.Diagnostics;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// The scrape view: every live group, held by this instance together with the ETag of the head row
/// it was read from. Every change to a group rewrites its head, so each refresh reads only the heads'
/// ETags (a projected scan, no group data) and re-reads the groups whose ETag differs; a group whose
/// head is gone or a tombstone leaves the view. No time is compared: whatever the gateways' and the
/// storage's clocks, a scrape serves every write acknowledged (on any instance) before it began, and
/// nothing storage no longer has. The argument is in docs/consistency.md.
/// </summary>
internal sealed class ScrapeView(GroupTable table)
{
    /// <summary>Changed groups are read one partition each, this many at a time.</summary>
    internal const int PartitionReadParallelism = 8;

    /// <summary>Groups decoded per thread-pool work item while a whole range is read.</summary>
    private const int DecodeBatch = 256;

    /// <summary>
    /// How long one refresh may take. Refreshes are shared and run to completion whatever happens to
    /// the request that started them: a first load of a large store can take longer than one
    /// request's deadline, and cancelling it with that request would make every scrape start over
    /// and none finish. The waiting requests still answer 503 at their own deadline.
    /// </summary>
    internal static readonly TimeSpan RefreshTimeout = TimeSpan.FromMinutes(2);

    private readonly Lock _refreshGate = new();
    private Task? _refresh;
    private SortedDictionary<string, ViewEntry> _view = new(StringComparer.Ordinal);
    private bool _viewLoaded;
    // Rows per group in the last whole read (head, permits, chunks, failure), to size its ranges.
    private double _rowsPerGroup = 1;
    // Stopwatch time (this process only, monotonic) at which the last completed refresh began.
    private long _lastRefreshStarted = long.MinValue;

    /// <summary>A group as served, with the ETag of the head row it was assembled from.</summary>
    private sealed record ViewEntry(MetricGroup Group, ETag Head);

    public async IAsyncEnumerable<MetricGroup> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var arrived = Stopwatch.GetTimestamp();
        List<MetricGroup> snapshot;
        while (true)
        {
            Task refresh;
            lock (_refreshGate)
            {
                // A refresh that began after this read arrived has seen every write acknowledged before
                // it: concurrent scrapes share it instead of each scanning again.
                if (Volatile.Read(ref _lastRefreshStarted) > arrived)
                {
                    snapshot = [.. _view.Values.Select(e => e.Group)];
                    break;
                }
                // One refresh at a time. One already running may have begun before this read arrived:
                // then it is waited for, and the next turn of the loop starts another.
                if (_refresh is null || _refresh.IsCompleted)
                {
                    _refresh = StartRefresh();
                }
                refresh = _refresh;
            }
            // Throws at this request's deadline (the refresh goes on) or with the refresh's own fault.
            await refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        foreach (var group in snapshot)
        {
            yield return group;
        }
    }

    /// <summary>Runs a refresh outside the calling request's async flow: its deadline and its storage-call budget do not apply.</summary>
    private Task StartRefresh()
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(async () =>
            {
                using var timeout = new CancellationTokenSource(RefreshTimeout);
                try
                {
                    await StorageGuard.RunAsync(() => RefreshViewAsync(timeout.Token), timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // Its waiters may all have gone (their deadlines passed): say it once here.
                    table.Logger.LogWarning("Scrape view refresh failed: {Reason}", e.Message);
                    throw;
                }
            });
        }
    }

    private async Task RefreshViewAsync(CancellationToken cancellationToken)
    {
        await table.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        SortedDictionary<string, ViewEntry> view;
        // A first load reads the whole range. Later refreshes always scan the heads first: in ranges side
        // by side the scan costs a fraction of a whole read, which a guess that the store stays busy
        // would spend in full whenever the guess is wrong.
        if (!_viewLoaded)
        {
            view = await ReadWholeRangeAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var (kept, changed, pages) = await CompareHeadsAsync(cancellationToken).ConfigureAwait(false);
            // One partition read per changed group, in waves; once that would take more waves than
            // the scan took pages, one read of the whole range is the shorter way.
            view = Waves(changed.Count) > pages
                ? await ReadWholeRangeAsync(cancellationToken).ConfigureAwait(false)
                : await ReadChangedAsync(kept, changed, cancellationToken).ConfigureAwait(false);
        }
        lock (_refreshGate)
        {
            _view = view;
            _viewLoaded = true;
            Volatile.Write(ref _lastRefreshStarted, started);
        }
    }

    private static int Waves(int partitions) => (partitions + PartitionReadParallelism - 1) / PartitionReadParallelism;

    /// <summary>
    /// Reads every group head's ETag: the view's entries that still match, the partitions to read
    /// again, and how many pages the scan took. Tombstones and heads the scan does not return are left
    /// out; expired groups stay until the sweep deletes them (readers decide, by their clock, whether
    /// one is live, stale or gone).
    /// </summary>
    private async Task<(SortedDictionary<string, ViewEntry> Kept, List<string> Changed, int Pages)> CompareHeadsAsync(CancellationToken cancellationToken)
    {
        var ranges = Ranges(SplitsOf(_view.Keys, HeadsPerRange));
        var scanned = new List<(string Pk, ETag ETag, bool Deleted)>[ranges.Count];
        await Parallel.ForAsync(0, ranges.Count, new ParallelOptions { MaxDegreeOfParallelism = PartitionReadParallelism, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var heads = new List<(string, ETag, bool)>();
            var filter = RangeFilter(ranges[i]) + TableClient.CreateQueryFilter($" and RowKey eq {TableKeys.HeadRow}");
            await foreach (var head in table.ScanAsync(filter, ["PartitionKey", "Deleted"], ct).ConfigureAwait(false))
            {
                heads.Add((head.PartitionKey, head.ETag, head.GetBoolean("Deleted") == true));
            }
            scanned[i] = heads;
        }).ConfigureAwait(false);
        var kept = new SortedDictionary<string, ViewEntry>(StringComparer.Ordinal);
        var changed = new List<string>();
        var pages = 0;
        foreach (var heads in scanned)
        {
            pages += Math.Max(1, (heads.Count + GroupTable.PageSize - 1) / GroupTable.PageSize);
            foreach (var (pk, etag, deleted) in heads)
            {
                if (deleted)
                {
                    continue;
                }
                if (_view.TryGetValue(pk, out var known) && known.Head == etag)
                {
                    kept[pk] = known;
                }
                else
                {
                    changed.Add(pk);
                }
            }
        }
        return (kept, changed, pages);
    }

    /// <summary>Reads the changed partitions (each whole, so never half a group) into the kept view.</summary>
    private async Task<SortedDictionary<string, ViewEntry>> ReadChangedAsync(SortedDictionary<string, ViewEntry> view, List<string> changed, CancellationToken cancellationToken)
    {
        var read = new ViewEntry?[changed.Count];
        await Parallel.ForAsync(0, changed.Count, new ParallelOptions { MaxDegreeOfParallelism = PartitionReadParallelism, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var partition = await table.ReadPartitionAsync(changed[i], ct).ConfigureAwait(false);
            read[i] = partition?.Group is { } group ? new ViewEntry(group, partition.Head.ETag) : null;
        }).ConfigureAwait(false);
        for (var i = 0; i < changed.Count; i++)
        {
            // Deleted between the scan and the read: storage has the last word.
            if (read[i] is { } entry)
            {
                view[changed[i]] = entry;
            }
        }
        return view;
    }

    /// <summary>
    /// Reads every row of every group, in key ranges read side by side (<see cref="PartitionReadParallelism"/>
    /// at a time): the ranges hold about 90% of a page of rows each (by the rows per group of the last whole read),
    /// or, on a first load, where the split hints say (<see cref="ReadSplitHintsAsync"/>); the ranges
    /// cover the whole group range whatever the split points, so these only balance the work. Afterwards
    /// it records the split points for fresh instances, when they moved.
    /// </summary>
    private async Task<SortedDictionary<string, ViewEntry>> ReadWholeRangeAsync(CancellationToken cancellationToken)
    {
        var splits = _viewLoaded ? SplitsOf(_view.Keys, GroupsPerRange(_rowsPerGroup)) : await ReadSplitHintsAsync(cancellationToken).ConfigureAwait(false);
        var ranges = Ranges(splits);
        var read = new List<(string Pk, ViewEntry Entry)>[ranges.Count];
        long rowsRead = 0;
        await Parallel.ForAsync(0, ranges.Count, new ParallelOptions { MaxDegreeOfParallelism = PartitionReadParallelism, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var (entries, rowsInRange) = await ReadRangeAsync(ranges[i], ct).ConfigureAwait(false);
            read[i] = entries;
            Interlocked.Add(ref rowsRead, rowsInRange);
        }).ConfigureAwait(false);
        var view = new SortedDictionary<string, ViewEntry>(StringComparer.Ordinal);
        foreach (var entries in read)
        {
            foreach (var (pk, entry) in entries)
            {
                view[pk] = entry;
            }
        }
        _rowsPerGroup = Math.Max(1, (double)rowsRead / Math.Max(1, view.Count));
        var next = SplitsOf(view.Keys, GroupsPerRange(_rowsPerGroup));
        if (!next.SequenceEqual(splits))
        {
            await WriteSplitHintsAsync(next, cancellationToken).ConfigureAwait(false);
        }
        return view;
    }

    /// <summary>
    /// Every row of the groups of one key range. A group whose head still has the ETag the view holds
    /// keeps its decoded entry; the others are decoded in batches on the thread pool while the next
    /// pages are fetched (decoding costs about as much as the reading).
    /// </summary>
    private async Task<(List<(string Pk, ViewEntry Entry)> Entries, long Rows)> ReadRangeAsync((string From, string To) range, CancellationToken cancellationToken)
    {
        var entries = new List<(string Pk, ViewEntry? Entry, Task<List<(string Pk, StoredPartition? Partition)>>? Decoding)>();
        var batch = new List<(string Pk, List<TableEntity> Rows)>();
        long rowCount = 0;
        var rows = new List<TableEntity>();
        string? currentPk = null;
        void Complete()
        {
            if (currentPk is null || rows.FirstOrDefault(r => r.RowKey == TableKeys.HeadRow) is not { } head || GroupRows.IsDeleted(head))
            {
                return;
            }
            if (_view.TryGetValue(currentPk, out var known) && known.Head == head.ETag)
            {
                entries.Add((currentPk, known, null));
                return;
            }
            batch.Add((currentPk, rows));
            if (batch.Count >= DecodeBatch)
            {
                entries.Add((currentPk, null, DecodeAsync(batch)));
                batch = [];
            }
        }
        await foreach (var row in table.ScanAsync(RangeFilter(range), select: null, cancellationToken).ConfigureAwait(false))
        {
            if (row.PartitionKey != currentPk)
            {
                Complete();
                rows = [];
                currentPk = row.PartitionKey;
            }
            rows.Add(row);
            rowCount++;
        }
        Complete();
        if (batch.Count > 0)
        {
            entries.Add((currentPk!, null, DecodeAsync(batch)));
        }
        var result = new List<(string Pk, ViewEntry Entry)>(entries.Count);
        foreach (var (pk, entry, decoding) in entries)
        {
            if (entry is not null)
            {
                result.Add((pk, entry));
                continue;
            }
            foreach (var (decodedPk, assembled) in await decoding!.ConfigureAwait(false))
            {
                var partition = assembled;
                if (partition is { Torn: true })
                {
                    // The rows span pages and the head flipped to new chunks in between: read the partition again, whole.
                    partition = await table.ReadPartitionAsync(decodedPk, cancellationToken).ConfigureAwait(false);
                }
                if (partition?.Group is { } group)
                {
                    result.Add((decodedPk, new ViewEntry(group, partition.Head.ETag)));
                }
            }
        }
        return (result, rowCount);
    }

    /// <summary>
    /// Heads per range of a head scan: one page each, with room for a few new groups (on Azurite
    /// every page scans the whole table, so a range that spills into a second page costs a full page).
    /// </summary>
    private const int HeadsPerRange = GroupTable.PageSize * 96 / 100;

    /// <summary>Groups per range of a whole read: about 90% of a page of rows.</summary>
    private static int GroupsPerRange(double rowsPerGroup) => Math.Max(1, (int)(GroupTable.PageSize * 0.9 / rowsPerGroup));

    /// <summary>Every <paramref name="perRange"/>th key: ranges of about one page each.</summary>
    private static List<string> SplitsOf(IEnumerable<string> keys, int perRange)
    {
        var splits = keys.Where((_, i) => i > 0 && i % perRange == 0).ToList();
        // The hints row holds them in one string property (64 KiB at most): thin them out past that.
        var step = 1;
        while (splits.Where((_, i) => i % step == 0).Sum(k => k.Length + 1) > MaxSplitHintChars)
        {
            step++;
        }
        return step == 1 ? splits : [.. splits.Where((_, i) => i % step == 0)];
    }

    /// <summary>Key ranges from split points: [g, s1), [s1, s2), …, [sn, h), so every group key falls in exactly one.</summary>
    private static List<(string From, string To)> Ranges(List<string> splits)
    {
        var ranges = new List<(string, string)>(splits.Count + 1);
        var from = TableKeys.GroupPrefix;
        foreach (var split in splits)
        {
            ranges.Add((from, split));
            from = split;
        }
        ranges.Add((from, TableKeys.GroupRangeEnd));
        return ranges;
    }

    private static string RangeFilter((string From, string To) range) =>
        TableClient.CreateQueryFilter($"PartitionKey ge {range.From} and PartitionKey lt {range.To}");

    /// <summary>
    /// Where the last whole read of any instance split the group range: one point read, so that a fresh
    /// instance's first load runs its ranges side by side too. Hints only balance the ranges (any
    /// split points cover the whole range), so one missing, unreadable or malformed gives one range.
    /// </summary>
    private async Task<List<string>> ReadSplitHintsAsync(CancellationToken cancellationToken)
    {
        try
        {
            var hints = await table.Client.GetEntityIfExistsAsync<TableEntity>(TableKeys.ScrapeHintsPartition, TableKeys.ScrapeHintsRow, [SplitHintsProperty], cancellationToken).ConfigureAwait(false);
            if (!hints.HasValue || hints.Value!.GetString(SplitHintsProperty) is not { } text)
            {
                return [];
            }
            var splits = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
            var wellFormed = splits.All(k => k.StartsWith(TableKeys.GroupPrefix, StringComparison.Ordinal) && !k.Contains('\'', StringComparison.Ordinal)
                    && string.CompareOrdinal(k, TableKeys.GroupPrefix) > 0 && string.CompareOrdinal(k, TableKeys.GroupRangeEnd) < 0)
                && splits.Zip(splits.Skip(1)).All(p => string.CompareOrdinal(p.First, p.Second) < 0);
            return wellFormed ? splits : [];
        }
        catch (RequestFailedException e)
        {
            table.Logger.LogDebug("Scrape split hints not read: {Reason}", e.Message);
            return [];
        }
    }

    /// <summary>Records the split points of this whole read for fresh instances; best effort (a lost write costs only balance).</summary>
    private async Task WriteSplitHintsAsync(List<string> splits, CancellationToken cancellationToken)
    {
        try
        {
            var entity = new TableEntity(TableKeys.ScrapeHintsPartition, TableKeys.ScrapeHintsRow) { [SplitHintsProperty] = string.Join('\n', splits) };
            await table.Client.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e)
        {
            table.Logger.LogDebug("Scrape split hints not written: {Reason}", e.Message);
        }
    }

    private const string SplitHintsProperty = "Splits";

    /// <summary>Below a string property's 32 K characters.</summary>
    private const int MaxSplitHintChars = 30_000;

    private static Task<List<(string Pk, StoredPartition? Partition)>> DecodeAsync(List<(string Pk, List<TableEntity> Rows)> batch) =>
        Task.Run(() => batch.Select(p => (p.Pk, GroupRows.Assemble(p.Rows))).ToList());
}
