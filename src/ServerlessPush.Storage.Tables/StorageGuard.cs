using System.Runtime.CompilerServices;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// The one place where a storage call's fault becomes <see cref="StorageUnavailableException"/>
/// (<see cref="StorageFaults"/> decides what counts as one). Every public operation of the store and
/// the name index runs through it; the parts below them throw what the SDK throws.
/// </summary>
internal static class StorageGuard
{
    public static async Task RunAsync(Func<Task> call, CancellationToken cancellationToken)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
        {
            throw StorageFaults.Unavailable(e);
        }
    }

    public static async Task<T> RunAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
        {
            throw StorageFaults.Unavailable(e);
        }
    }

    /// <summary>A sequence whose every step (a page fetched, a row read) is guarded; what the consumer throws is not.</summary>
    public static async IAsyncEnumerable<T> EnumerateAsync<T>(IAsyncEnumerable<T> source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IAsyncEnumerator<T> enumerator;
        try
        {
            enumerator = source.GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception e) when (StorageFaults.IsUnavailable(e, cancellationToken))
        {
            throw StorageFaults.Unavailable(e);
        }
        await using var _ = enumerator.ConfigureAwait(false);
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
