using Microsoft.Extensions.Options;
using NCrontab;
using ServerlessPush.Core.Gateway;

namespace ServerlessPush.LocalHost;

/// <summary>
/// The local host's stand-in for the Functions timer: the same sweep on the same NCRONTAB schedule
/// (with seconds, UTC). Runs beside an Azure sweep over the same table without harm.
/// </summary>
public sealed class ExpirySweepService(ExpirySweeper sweeper, IOptions<GatewayOptions> options, TimeProvider time, ILogger<ExpirySweepService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var schedule = CrontabSchedule.Parse(options.Value.Expiry.Schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true });
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var next = schedule.GetNextOccurrence(now);
            await Task.Delay(next - now, time, stoppingToken).ConfigureAwait(false);
            try
            {
                await sweeper.SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The next run retries; a sweep is only garbage collection, expiry is exact at read time.
                logger.LogWarning("Expiry sweep failed: {Message}", e.Message);
                logger.LogDebug(e, "Expiry sweep failed");
            }
        }
    }
}
