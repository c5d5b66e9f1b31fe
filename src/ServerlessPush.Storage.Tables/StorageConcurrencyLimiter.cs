using Azure.Core;
using Azure.Core.Pipeline;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// Caps the storage calls in flight: those of the current <see cref="StorageCallScope"/> (one request),
/// then those of the whole process (<see cref="TableStorageOptions.MaxConcurrentRequests"/>). Runs per
/// call, before the SDK's retry policy: a call waits for its slots (until its request's deadline cancels
/// it) and keeps them through its retries, so the per-try network timeout never counts time spent
/// queueing, and no push, however many names it has, opens more connections than the caps. (A
/// connection cap in the HTTP handler would queue requests inside the timed try instead.)
/// </summary>
public sealed class StorageConcurrencyLimiter(int maxConcurrentRequests) : HttpPipelinePolicy, IDisposable
{
    private readonly SemaphoreSlim _process = new(maxConcurrentRequests, maxConcurrentRequests);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var scope = StorageCallScope.Current;
        scope?.Wait(message.CancellationToken);
        try
        {
            _process.Wait(message.CancellationToken);
            try
            {
                ProcessNext(message, pipeline);
            }
            finally
            {
                _process.Release();
            }
        }
        finally
        {
            scope?.Release();
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        // The request's own slot first: a request at its budget does not hold a process slot while it waits.
        var scope = StorageCallScope.Current;
        if (scope is not null)
        {
            await scope.WaitAsync(message.CancellationToken).ConfigureAwait(false);
        }
        try
        {
            await _process.WaitAsync(message.CancellationToken).ConfigureAwait(false);
            try
            {
                await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            }
            finally
            {
                _process.Release();
            }
        }
        finally
        {
            scope?.Release();
        }
    }

    public void Dispose() => _process.Dispose();
}
