namespace ServerlessPush.Storage.Tables;

/// <summary>
/// One write at a time per group within this process, in arrival order. Writers of one instance
/// then wait their turn instead of racing each other's ETags (every lost race costs a read and a
/// write and, with enough writers, starves the unlucky); only writers on other instances race.
/// An entry lives while someone holds or waits for it, so the map stays as small as the writes in flight.
/// </summary>
internal sealed class PartitionWriteQueue
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Waits for the partition's turn; dispose the result to pass it on.</summary>
    public async Task<IDisposable> EnterAsync(string partition, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(partition, out entry!))
            {
                entry = new Entry();
                _entries[partition] = entry;
            }
            entry.Users++;
        }
        try
        {
            // SemaphoreSlim hands the slot to asynchronous waiters first come, first served.
            await entry.Turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(partition, entry);
            throw;
        }
        return new Lease(this, partition, entry);
    }

    private void Leave(string partition, Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(partition);
            }
        }
    }

    private sealed class Entry
    {
        public readonly SemaphoreSlim Turn = new(1, 1);
        public int Users;
    }

    private sealed class Lease(PartitionWriteQueue queue, string partition, Entry entry) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                entry.Turn.Release();
                queue.Leave(partition, entry);
            }
        }
    }
}
