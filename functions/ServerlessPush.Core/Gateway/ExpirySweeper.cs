using Microsoft.Extensions.Logging;
using ServerlessPush.Core.Storage;
using ServerlessPush.Core.Telemetry;

namespace ServerlessPush.Core.Gateway;

/// <summary>What one sweep did.</summary>
public readonly record struct SweepResult(int Candidates, int Deleted, TimeSpan Duration);

/// <summary>
/// Deletes expired groups. Expiry is already exact at read time (expired groups are never served);
/// this is the garbage collection behind it, run by the timer function and the local host alike.
/// It walks only the due entries of the store's expiry index, and each deletion is checked against
/// the group itself, so two sweeps may run at once and a push renewing a group meanwhile wins.
/// </summary>
public sealed class ExpirySweeper(IGroupStore store, TimeProvider time, ILogger<ExpirySweeper> logger)
{
    private const int Parallelism = 16;

    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default)
    {
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        var candidates = 0;
        var deleted = 0;
        await Parallel.ForEachAsync(
            store.ListExpiryCandidatesAsync(now, cancellationToken),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (candidate, ct) =>
            {
                Interlocked.Increment(ref candidates);
                if (await store.DeleteIfExpiredAsync(candidate, now, ct).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref deleted);
                }
            }).ConfigureAwait(false);
        var result = new SweepResult(candidates, deleted, time.GetElapsedTime(started));
        GatewayTelemetry.SweepRuns.Add(1);
        GatewayTelemetry.SweepDue.Add(candidates);
        GatewayTelemetry.SweepDeleted.Add(deleted);
        logger.LogInformation("Expiry sweep: {Deleted} groups deleted of {Candidates} due index entries in {Duration}", deleted, candidates, result.Duration);
        return result;
    }
}
