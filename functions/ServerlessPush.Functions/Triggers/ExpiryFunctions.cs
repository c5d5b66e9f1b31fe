using Microsoft.Azure.Functions.Worker;
using ServerlessPush.Core.Gateway;

namespace ServerlessPush.Functions.Triggers;

/// <summary>
/// Deletes expired groups on the schedule in <c>Gateway:Expiry:Schedule</c> (NCRONTAB, UTC). The
/// host runs it on one instance at a time (blob lease); the sweep is safe alongside another anyway.
/// No RunOnStartup: every scale-out or wake-up would sweep.
/// </summary>
public sealed class ExpiryFunctions(ExpirySweeper sweeper)
{
    [Function("ExpirySweep")]
    public Task Sweep([TimerTrigger("%" + ExpiryOptions.ScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken)
        => sweeper.SweepAsync(cancellationToken);
}
