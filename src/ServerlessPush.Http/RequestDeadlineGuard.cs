using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessPush.Core;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Telemetry;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Http;

/// <summary>
/// Runs every request under its <see cref="RequestDeadline"/> (<see cref="GatewayOptions.RequestDeadline"/>)
/// and its budget of concurrent storage calls (<see cref="GatewayOptions.MaxStorageCallsPerRequest"/>),
/// and is the one place where a storage fault or a cancellation that escapes an endpoint becomes an
/// answer: 503 with Retry-After (a write cut off by the deadline may still land in storage, so it is
/// never answered 200; the store's head-row flip keeps it all or nothing). A client that went away gets
/// nothing written. Any other exception is a bug and stays a 500.
/// </summary>
public sealed class RequestDeadlineGuard(IOptions<GatewayOptions> options, ILogger<RequestDeadlineGuard> logger)
{
    public async Task RunAsync(HttpContext context, Func<HttpContext, Task> handler)
    {
        var started = Stopwatch.GetTimestamp();
        var telemetry = new RequestTelemetry();
        context.Features.Set(telemetry);
        // A child of the host's request span where there is one (the Functions host, ASP.NET Core's own activity).
        using var activity = GatewayTelemetry.ActivitySource.StartActivity(
            Activity.Current is null ? ActivityKind.Server : ActivityKind.Internal, name: context.Request.Method);
        using var deadline = new RequestDeadline(context, options.Value.RequestDeadline);
        using var storageCalls = StorageCallScope.Begin(options.Value.MaxStorageCallsPerRequest);
        Fault? fault = null;
        try
        {
            await handler(context).ConfigureAwait(false);
        }
        // The store surfaces every fault as StorageUnavailableException (its contract), so this layer
        // knows no storage SDK. A malformed or too slow request body (BadHttpRequestException) is the
        // client's fault: the server answers it with its own 400, 408 or 413; another I/O error on the
        // connection is treated like the client going away, or a 503.
        catch (Exception e) when (e is not BadHttpRequestException && e is OperationCanceledException or StorageUnavailableException or IOException)
        {
            var request = context.Request;
            if (deadline.ClientAborted.IsCancellationRequested)
            {
                logger.LogDebug("Client went away during {Method} {Path}", request.Method, request.Path);
                return;
            }
            var response = context.Response;
            var message = deadline.Expired
                ? $"Storage did not answer within the request deadline of {deadline.Limit.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s; try again."
                : e is StorageUnavailableException unavailable ? unavailable.Message
                : "Storage did not answer in time; try again.";
            fault = new Fault(deadline.Expired ? "deadline" : (e as StorageUnavailableException)?.Kind ?? "timeout", message);
            // The stack trace says nothing an operator acts on: only at debug.
            logger.LogDebug(e, "{Method} {Path}: {Message}", request.Method, request.Path, message);
            if (response.HasStarted)
            {
                // Part of an answer is out: cut the connection rather than let it pass for a whole one.
                context.Abort();
                return;
            }
            response.ContentLength = null;
            response.Headers.ContentEncoding = default;
            await Responses.RejectAsync(context, Responses.Unavailable(message, options.Value.RetryAfter)).ConfigureAwait(false);
        }
        finally
        {
            Record(context, telemetry, activity, Stopwatch.GetElapsedTime(started), fault);
        }
    }

    private readonly record struct Fault(string Kind, string Message);

    /// <summary>The request's metrics, its span's outcome, and its one log line if it was refused or met a storage fault.</summary>
    private void Record(HttpContext context, RequestTelemetry telemetry, Activity? activity, TimeSpan elapsed, Fault? fault)
    {
        var status = context.Response.StatusCode;
        var code = status.ToString(CultureInfo.InvariantCulture);
        var method = context.Request.Method.ToLowerInvariant();
        var handler = telemetry.Handler;
        GatewayTelemetry.Requests.Add(1, new("code", code), new("handler", handler), new("method", method));
        if (handler is "push" or "delete")
        {
            GatewayTelemetry.PushDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("method", method));
        }
        else if (handler == "metrics")
        {
            GatewayTelemetry.ScrapeDuration.Record(elapsed.TotalSeconds);
        }
        if (activity is not null)
        {
            activity.DisplayName = $"{context.Request.Method} {handler}";
            activity.SetTag("http.request.method", context.Request.Method);
            activity.SetTag("http.route", handler);
            activity.SetTag("http.response.status_code", status);
            if (status >= 500)
            {
                activity.SetStatus(ActivityStatusCode.Error, fault?.Kind);
            }
        }
        var group = telemetry.Group?.ToString() ?? "-";
        if (fault is { } f)
        {
            logger.LogWarning("{Method} {Handler} group {Group}: {Status} after storage fault ({FaultKind}) in {ElapsedMs} ms: {Message}",
                context.Request.Method, handler, group, status, f.Kind, (long)elapsed.TotalMilliseconds, f.Message);
        }
        if (telemetry.Rejection is not { } rejection)
        {
            return;
        }
        var reason = GatewayTelemetry.Tag(rejection.Reason);
        GatewayTelemetry.Rejections.Add(1, new("reason", reason), new("handler", handler), new("code", code));
        if (fault is null)
        {
            // Scanners' 404s and 405s would drown the rest at information.
            var level = rejection.Reason is RejectionReason.NotFound or RejectionReason.Method ? LogLevel.Debug : LogLevel.Information;
            logger.Log(level, "Rejected {Method} {Handler} group {Group}: {Status} {Reason}: {Message}",
                context.Request.Method, handler, group, rejection.Status, reason, rejection.Message);
        }
    }
}
