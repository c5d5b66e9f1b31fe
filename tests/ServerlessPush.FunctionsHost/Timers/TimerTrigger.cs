using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ServerlessPush.FunctionsHost.Metadata;
using ServerlessPush.FunctionsHost.Rpc;
using ServerlessPush.FunctionsHost.Worker;

namespace ServerlessPush.FunctionsHost.Timers;

/// <summary>
/// One timer-triggered function: fires on its schedule, one invocation at a time (as the host's
/// timer listener), and on demand. The trigger input is the host's <c>TimerInfo</c> as JSON
/// (<c>Schedule</c>, <c>ScheduleStatus</c> — null for schedules of under a minute, where the host
/// keeps none — and <c>IsPastDue</c>); the trigger metadata is <c>TimerTrigger</c>, the local time
/// of the invocation as text.
/// </summary>
internal sealed class TimerTrigger(FunctionDescriptor function, TimerSchedule schedule, bool useMonitor, InvocationDispatcher dispatcher, HostLog log, TimeProvider time)
    : IAsyncDisposable
{
    private readonly SemaphoreSlim _listenerLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private DateTime? _lastOccurrence;
    private DateTime? _lastUpdated;

    public FunctionDescriptor Function => function;

    public TimerSchedule Schedule => schedule;

    public void Start()
    {
        log.Write(LogLevel.Information, "Host.Triggers.Timer", $"The next 5 occurrences of the '{function.Name}' schedule (Cron: '{schedule}') will be: {string.Join(", ", NextOccurrences(5))}");
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Invokes the function now, outside the schedule (as the admin API does).</summary>
    public Task<InvocationResponse> InvokeNowAsync(CancellationToken cancellationToken) =>
        InvokeAsync(time.GetUtcNow().UtcDateTime, "This function was programmatically called via the host APIs.", cancellationToken);

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var next = schedule.NextAfter(now);
            try
            {
                await Task.Delay(next - now, time, cancellationToken).ConfigureAwait(false);
                await _listenerLock.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await InvokeAsync(next, $"Timer fired at {DateTimeOffset.Now:o}", cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _listenerLock.Release();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A failed run never stops the schedule.
                log.Write(LogLevel.Error, "Host.Triggers.Timer", $"Error occurred during scheduled invocation for '{function.Name}'.", ex);
            }
        }
    }

    private async Task<InvocationResponse> InvokeAsync(DateTime occurrence, string reason, CancellationToken cancellationToken)
    {
        var request = new InvocationRequest
        {
            InvocationId = Guid.NewGuid().ToString(),
            FunctionId = function.FunctionId,
            TraceContext = InvocationDispatcher.TraceContext(),
        };
        request.InputData.Add(new ParameterBinding { Name = function.Trigger.Name, Data = new TypedData { Json = TimerInfoJson(occurrence) } });
        request.TriggerMetadata["TimerTrigger"] = new TypedData { String = DateTime.Now.ToString(CultureInfo.InvariantCulture) };
        return await dispatcher.InvokeAsync(function, request, reason, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The host serialises its TimerInfo with Json.NET: PascalCase, local times with their offset.</summary>
    private string TimerInfoJson(DateTime occurrence)
    {
        JsonNode? status = null;
        var now = time.GetUtcNow().UtcDateTime;
        if (useMonitor && schedule.UsesMonitor(now))
        {
            // An in-memory stand-in for the schedule monitor (the host keeps it in blob storage).
            status = new JsonObject
            {
                ["Last"] = Local(_lastOccurrence ?? DateTime.MinValue),
                ["Next"] = Local(occurrence),
                ["LastUpdated"] = Local(_lastUpdated ?? DateTime.MinValue),
            };
            _lastOccurrence = occurrence;
            _lastUpdated = now;
        }
        return new JsonObject
        {
            ["Schedule"] = new JsonObject { ["AdjustForDST"] = true },
            ["ScheduleStatus"] = status,
            ["IsPastDue"] = false,
        }.ToJsonString();
    }

    private static string Local(DateTime utc) =>
        utc == DateTime.MinValue ? "0001-01-01T00:00:00" : utc.ToLocalTime().ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);

    private IEnumerable<string> NextOccurrences(int count)
    {
        var at = time.GetUtcNow().UtcDateTime;
        for (var i = 0; i < count; i++)
        {
            at = schedule.NextAfter(at);
            yield return at.ToString("MM'/'dd'/'yyyy HH':'mm':'ss", CultureInfo.InvariantCulture) + "Z";
        }
    }

    /// <summary>No further scheduled runs (one in flight ends when the worker answers or goes away).</summary>
    public Task StopAsync() => _stop.CancelAsync();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        _stop.Dispose();
        _listenerLock.Dispose();
    }
}
