namespace ServerlessPush.Core.Storage;

/// <summary>
/// A budget of concurrent storage calls for one unit of work (the HTTP layer opens one per request):
/// however the work fans out (sibling reads, index registrations, the names' type lookups), at most
/// the given number of its storage calls are in flight at once; the others wait in the store's call
/// limiter (Table Storage: <c>StorageConcurrencyLimiter</c>). Flows with the async context, so nothing
/// has to pass it along, and the HTTP layer needs to know nothing of the store.
/// </summary>
public sealed class StorageCallScope : IDisposable
{
    private static readonly AsyncLocal<SemaphoreSlim?> Ambient = new();
    private readonly SemaphoreSlim? _previous;

    private StorageCallScope(int maxConcurrentCalls)
    {
        _previous = Ambient.Value;
        // Never disposed: a call started in this scope (a shared table creation) may outlive it; without a
        // wait handle a SemaphoreSlim holds nothing to release.
        Ambient.Value = new SemaphoreSlim(maxConcurrentCalls, maxConcurrentCalls);
    }

    /// <summary>Starts a budget for the calls made from here on in this async flow.</summary>
    public static StorageCallScope Begin(int maxConcurrentCalls) => new(maxConcurrentCalls);

    /// <summary>The budget of the current flow, or null outside any scope (the expiry sweep: only the process cap applies).</summary>
    public static SemaphoreSlim? Current => Ambient.Value;

    public void Dispose() => Ambient.Value = _previous;
}
