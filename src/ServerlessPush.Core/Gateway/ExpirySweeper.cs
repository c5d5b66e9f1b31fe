using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
/// A job kept stale (<see cref="StalePolicy"/>) has its groups deleted once they expired by
/// <c>now - KeepFor</c>: the same conditional deletion with a later bound.
/// </summary>
public sealed class ExpirySweeper(IGroupStore store, IOptions<GatewayOptions> options, TimeProvider time, ILogger<ExpirySweeper> logger)
{
    private readonly StalePolicy _stale = new(options);

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
                // The store deletes only what expired by the bound given, so a stale group's bound is KeepFor earlier;
                // before that its entry stays (rewritten in place), or moves on if the group was renewed.
                var bound = _stale.KeepFor(candidate.Key.Job) is { } keep ? now - keep : now;
                if (await store.DeleteIfExpiredAsync(candidate, bound, ct).ConfigureAwait(false))
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
