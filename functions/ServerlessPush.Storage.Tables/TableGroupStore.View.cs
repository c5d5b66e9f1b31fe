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
public sealed partial class TableGroupStore
{
    /// <summary>Changed groups are read one partition each, this many at a time.</summary>
    internal const int PartitionReadParallelism = 8;

    private const int PageSize = 1000;

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
    // A first load, and a store where most groups change between scrapes, read the whole range at once.
    private bool _readWholeRangeNext = true;
    private bool _viewLoaded;
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
                    await RefreshViewAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // Its waiters may all have gone (their deadlines passed): say it once here.
                    _logger.LogWarning("Scrape view refresh failed: {Reason}", e.Message);
                    throw;
                }
            });
        }
    }

    private async Task RefreshViewAsync(CancellationToken cancellationToken)
    {
        await EnsureTableSafeAsync(cancellationToken).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        var now = _time.GetUtcNow();
        SortedDictionary<string, ViewEntry> view;
        if (_readWholeRangeNext)
        {
            view = await ReadWholeRangeAsync(now, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var (kept, changed, pages) = await CompareHeadsAsync(now, cancellationToken).ConfigureAwait(false);
            // One partition read per changed group, in waves; once that would take more waves than
            // the scan took pages, one read of the whole range is the shorter way.
            view = Waves(changed.Count) > pages
                ? await ReadWholeRangeAsync(now, cancellationToken).ConfigureAwait(false)
                : await ReadChangedAsync(kept, changed, now, cancellationToken).ConfigureAwait(false);
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
    /// again, and how many pages the scan took. Tombstones, expired heads and heads the scan does not
    /// return are left out.
    /// </summary>
    private async Task<(SortedDictionary<string, ViewEntry> Kept, List<string> Changed, int Pages)> CompareHeadsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var kept = new SortedDictionary<string, ViewEntry>(StringComparer.Ordinal);
        var changed = new List<string>();
        var heads = 0;
        var filter = GroupRangeFilter + $" and RowKey eq '{TableKeys.HeadRow}'";
        await foreach (var head in ScanAsync(filter, ["PartitionKey", "Deleted", "ExpiresTicks"], cancellationToken).ConfigureAwait(false))
        {
            heads++;
            if (head.GetBoolean("Deleted") == true || ToTime(head.GetInt64("ExpiresTicks")) <= now)
            {
                continue;
            }
            if (_view.TryGetValue(head.PartitionKey, out var known) && known.Head == head.ETag)
            {
                kept[head.PartitionKey] = known;
            }
            else
            {
                changed.Add(head.PartitionKey);
            }
        }
        return (kept, changed, Math.Max(1, (heads + PageSize - 1) / PageSize));
    }

    /// <summary>Reads the changed partitions (each whole, so never half a group) into the kept view.</summary>
    private async Task<SortedDictionary<string, ViewEntry>> ReadChangedAsync(SortedDictionary<string, ViewEntry> view, List<string> changed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var read = new ViewEntry?[changed.Count];
        await Parallel.ForAsync(0, changed.Count, new ParallelOptions { MaxDegreeOfParallelism = PartitionReadParallelism, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var partition = await ReadPartitionAsync(changed[i], ct).ConfigureAwait(false);
            read[i] = partition?.Group is { } group ? new ViewEntry(group, partition.Head.ETag) : null;
        }).ConfigureAwait(false);
        for (var i = 0; i < changed.Count; i++)
        {
            // Deleted or expired between the scan and the read: storage has the last word.
            if (read[i] is { } entry && !entry.Group.IsExpiredAt(now))
            {
                view[changed[i]] = entry;
            }
        }
        return view;
    }

    /// <summary>
    /// Reads every row of every group. A group whose head still has the ETag the view holds keeps its
    /// decoded entry. Afterwards: if most groups had changed, the next refresh reads the whole range again.
    /// </summary>
    private async Task<SortedDictionary<string, ViewEntry>> ReadWholeRangeAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var view = new SortedDictionary<string, ViewEntry>(StringComparer.Ordinal);
        var changed = 0;
        var rows = new List<TableEntity>();
        string? currentPk = null;
        await foreach (var row in ScanAsync(GroupRangeFilter, select: null, cancellationToken).ConfigureAwait(false))
        {
            if (row.PartitionKey != currentPk)
            {
                changed += await AddPartitionAsync(view, currentPk, rows, now, cancellationToken).ConfigureAwait(false);
                rows = [];
                currentPk = row.PartitionKey;
            }
            rows.Add(row);
        }
        changed += await AddPartitionAsync(view, currentPk, rows, now, cancellationToken).ConfigureAwait(false);
        _readWholeRangeNext = _viewLoaded && Waves(changed) > Math.Max(1, (view.Count + PageSize - 1) / PageSize);
        return view;
    }

    /// <summary>Adds one partition's rows to the view; 1 if its group is new or changed, else 0.</summary>
    private async Task<int> AddPartitionAsync(SortedDictionary<string, ViewEntry> view, string? pk, List<TableEntity> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (pk is null || rows.FirstOrDefault(r => r.RowKey == TableKeys.HeadRow) is not { } head || head.GetBoolean("Deleted") == true)
        {
            return 0;
        }
        if (_view.TryGetValue(pk, out var known) && known.Head == head.ETag)
        {
            if (!known.Group.IsExpiredAt(now))
            {
                view[pk] = known;
            }
            return 0;
        }
        var partition = Assemble(pk, rows);
        if (partition is { Torn: true })
        {
            // The rows span pages and the head flipped to new chunks in between: read the partition again, whole.
            partition = await ReadPartitionAsync(pk, cancellationToken).ConfigureAwait(false);
        }
        if (partition?.Group is { } group && !group.IsExpiredAt(now))
        {
            view[pk] = new ViewEntry(group, partition.Head.ETag);
        }
        return 1;
    }

    private static readonly string GroupRangeFilter =
        $"PartitionKey ge '{TableKeys.GroupPrefix}' and PartitionKey lt '{TableKeys.GroupRangeEnd}'";

    /// <summary>A query, paged by the SDK, with storage faults turned into <see cref="Core.Storage.StorageUnavailableException"/>.</summary>
    private async IAsyncEnumerable<TableEntity> ScanAsync(string filter, IEnumerable<string>? select, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var enumerator = _table.QueryAsync<TableEntity>(filter, maxPerPage: PageSize, select: select, cancellationToken: cancellationToken)
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
            yield return enumerator.Current;
        }
    }
}
