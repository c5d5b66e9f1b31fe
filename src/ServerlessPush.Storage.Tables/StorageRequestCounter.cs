using Azure.Core;
using Azure.Core.Pipeline;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// Counts storage requests as they leave the SDK pipeline (after retries are expanded), so round
/// trips per operation are measured, not estimated; also the most in flight at once. Used by tests and benchmarks.
/// </summary>
public sealed class StorageRequestCounter : HttpPipelinePolicy
{
    private long _count;
    private long _queries;
    private int _inFlight;
    private int _peakInFlight;

    public long Count => Interlocked.Read(ref _count);

    /// <summary>
    /// How many of <see cref="Count"/> were queries (a <c>$filter</c>: a key range or a partition), as
    /// opposed to point operations on one row or a transaction. Azurite scans its whole table for
    /// every query, so on Azurite only point operations stay flat as the store fills.
    /// </summary>
    public long Queries => Interlocked.Read(ref _queries);

    /// <summary>The most requests in flight at once since the last <see cref="ResetPeak"/>.</summary>
    public int PeakInFlight => Volatile.Read(ref _peakInFlight);

    /// <summary>Starts counting again from zero (queries too); returns the count until now.</summary>
    public long Reset()
    {
        Interlocked.Exchange(ref _queries, 0);
        return Interlocked.Exchange(ref _count, 0);
    }

    public int ResetPeak() => Interlocked.Exchange(ref _peakInFlight, Volatile.Read(ref _inFlight));

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Enter(message);
        try
        {
            ProcessNext(message, pipeline);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Enter(message);
        try
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private void Enter(HttpMessage message)
    {
        Interlocked.Increment(ref _count);
        var query = message.Request.Uri.Query;
        if (query.Contains("$filter", StringComparison.Ordinal) || query.Contains("%24filter", StringComparison.OrdinalIgnoreCase))
        {
            Interlocked.Increment(ref _queries);
        }
        var now = Interlocked.Increment(ref _inFlight);
        for (var peak = Volatile.Read(ref _peakInFlight); now > peak; peak = Volatile.Read(ref _peakInFlight))
        {
            if (Interlocked.CompareExchange(ref _peakInFlight, now, peak) == peak)
            {
                break;
            }
        }
    }
}
