using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Storage.Tables;

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
        using var deadline = new RequestDeadline(context, options.Value.RequestDeadline);
        using var storageCalls = StorageCallScope.Begin(options.Value.MaxStorageCallsPerRequest);
        try
        {
            await handler(context).ConfigureAwait(false);
        }
        // A malformed or too slow request body (BadHttpRequestException, an IOException) is the client's
        // fault: the server answers it with its own 400, 408 or 413.
        catch (Exception e) when (e is not BadHttpRequestException && (e is OperationCanceledException || StorageFaults.IsUnavailable(e, CancellationToken.None)))
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
                : StorageFaults.Unavailable(e).Message;
            logger.LogWarning(e, "{Method} {Path}: {Message}", request.Method, request.Path, message);
            if (response.HasStarted)
            {
                // Part of an answer is out: cut the connection rather than let it pass for a whole one.
                context.Abort();
                return;
            }
            response.ContentLength = null;
            response.Headers.ContentEncoding = default;
            await Responses.UnavailableAsync(response, message).ConfigureAwait(false);
        }
    }
}
