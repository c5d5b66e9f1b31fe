using System.Diagnostics;
using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using ServerlessPush.Core.Gateway;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// The scrape view: every live group, held by this instance and refreshed on each read with only
/// the rows changed since the last refresh (by the server's <c>Timestamp</c>), so a scrape costs
/// what changed, not what is stored. Deletions arrive as tombstones; a full reload every
/// <see cref="FullReloadInterval"/> (well inside the tombstones' retention) bounds any drift.
/// Each instance keeps its own view and refreshes it from storage, so every instance serves every
/// write that was acknowledged before the scrape began.
/// </summary>
public sealed partial class TableGroupStore
{
    /// <summary>Rows are re-read this far behind the newest change seen: writes still in flight, clock skew between servers.</summary>
    internal static readonly TimeSpan ViewOverlap = TimeSpan.FromSeconds(10);

    internal static readonly TimeSpan FullReloadInterval = TimeSpan.FromMinutes(15);

    private readonly SemaphoreSlim _viewLock = new(1, 1);
    private SortedDictionary<string, MetricGroup> _view = new(StringComparer.Ordinal);
    private DateTimeOffset? _newestChange;
    private DateTimeOffset _lastFullReload;
    private TimeSpan _lastRefreshDuration;

    public async IAsyncEnumerable<MetricGroup> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<MetricGroup> snapshot;
        await _viewLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RefreshViewAsync(cancellationToken).ConfigureAwait(false);
            snapshot = [.. _view.Values];
        }
        finally
        {
            _viewLock.Release();
        }
        foreach (var group in snapshot)
        {
            yield return group;
        }
    }

    private async Task RefreshViewAsync(CancellationToken cancellationToken)
    {
        await EnsureTableSafeAsync(cancellationToken).ConfigureAwait(false);
        var stopwatch = Stopwatch.StartNew();
        var now = _time.GetUtcNow();
        var full = _newestChange is null || now - _lastFullReload >= FullReloadInterval || now < _lastFullReload;
        var view = full ? new SortedDictionary<string, MetricGroup>(StringComparer.Ordinal) : _view;

        var range = $"PartitionKey ge '{TableKeys.GroupPrefix}' and PartitionKey lt '{TableKeys.GroupRangeEnd}'";
        string filter;
        if (full)
        {
            filter = range;
        }
        else
        {
            // A refresh that took long (a big full reload) may have missed writes made during it.
            var overlap = ViewOverlap + _lastRefreshDuration + _lastRefreshDuration;
            filter = range + " and " + TableClient.CreateQueryFilter($"Timestamp ge {_newestChange!.Value - overlap}");
        }

        var newest = _newestChange;
        var rows = new List<TableEntity>();
        string? currentPk = null;
        await using var enumerator = _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            bool more;
            try
            {
                more = await enumerator.MoveNextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
            {
                throw StorageFaults.Unavailable(e);
            }
            if (!more || enumerator.Current.PartitionKey != currentPk)
            {
                if (rows.Count > 0)
                {
                    await ApplyAsync(view, currentPk!, rows, full, cancellationToken).ConfigureAwait(false);
                }
                rows = [];
                if (!more)
                {
                    break;
                }
                currentPk = enumerator.Current.PartitionKey;
            }
            var row = enumerator.Current;
            if (row.Timestamp is { } changed && (newest is null || changed > newest))
            {
                newest = changed;
            }
            rows.Add(row);
        }

        // Expired groups are never served; dropping them bounds the view (a renewal is a change, it comes back).
        foreach (var expired in view.Where(g => g.Value.IsExpiredAt(now)).Select(g => g.Key).ToList())
        {
            view.Remove(expired);
        }
        _view = view;
        _newestChange = newest ?? now;
        if (full)
        {
            _lastFullReload = now;
        }
        _lastRefreshDuration = stopwatch.Elapsed;
    }

    /// <summary>Applies one partition's changed rows to the view.</summary>
    private async Task ApplyAsync(SortedDictionary<string, MetricGroup> view, string pk, List<TableEntity> rows, bool full, CancellationToken cancellationToken)
    {
        view.TryGetValue(pk, out var known);
        var partition = Assemble(pk, rows, failureIfAbsent: full ? null : known?.LastFailureTime);
        if (partition is null)
        {
            // No head among the changed rows: a failure time recorded, or chunks of a write not yet flipped.
            var failure = rows.FirstOrDefault(r => r.RowKey == TableKeys.FailureRow);
            if (known is not null && failure is not null)
            {
                view[pk] = known with { LastFailureTime = ToTime(failure.GetInt64("FailureTicks")) };
            }
            return;
        }
        if (partition.Torn)
        {
            // A large group whose chunks are not all among the changed rows: read it whole.
            partition = await ReadPartitionAsync(pk, cancellationToken).ConfigureAwait(false);
        }
        if (partition?.Group is { } group)
        {
            view[pk] = group;
        }
        else
        {
            view.Remove(pk);
        }
    }
}
