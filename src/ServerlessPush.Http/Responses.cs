using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using ServerlessPush.Core;

namespace ServerlessPush.Http;

/// <summary>Responses shaped like the reference's: empty success bodies, Go-style plain-text errors.</summary>
public static class Responses
{
    /// <summary>A status with no body and no Content-Type (PUT/POST 200, DELETE 202).</summary>
    public static Task EmptyAsync(HttpResponse response, int status)
    {
        response.StatusCode = status;
        response.ContentLength = 0;
        return Task.CompletedTask;
    }

    /// <summary>
    /// The one place a <see cref="Rejection"/> becomes an answer: Go's <c>http.Error</c> (text/plain,
    /// nosniff, message plus newline), its header, and Retry-After for a 503. It is noted on the
    /// request's <see cref="RequestTelemetry"/>, where <see cref="RequestDeadlineGuard"/> logs and counts
    /// it once the request ends. Nothing is written to a client that went away.
    /// </summary>
    public static Task RejectAsync(HttpContext context, Rejection rejection, CancellationToken cancellationToken = default)
    {
        if (!BeginRejection(context, rejection))
        {
            return Task.CompletedTask;
        }
        var response = context.Response;
        response.StatusCode = rejection.Status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.XContentTypeOptions = "nosniff";
        return response.WriteAsync(rejection.Message + "\n", cancellationToken);
    }

    /// <summary>
    /// What every rejection's answer starts with, whatever its body: the rejection noted on the request's
    /// <see cref="RequestTelemetry"/> (logged and counted once, by <see cref="RequestDeadlineGuard"/>) and
    /// its header (Retry-After on a 503). False when the client went away during a 503: then nothing is written.
    /// </summary>
    internal static bool BeginRejection(HttpContext context, Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(rejection);
        if (RequestTelemetry.Of(context) is { } telemetry)
        {
            telemetry.Rejection = rejection;
        }
        if (rejection.Reason == RejectionReason.Unavailable && RequestDeadline.ClientGone(context))
        {
            return false;
        }
        if (rejection.Header is { } header)
        {
            context.Response.Headers[header.Key] = header.Value;
        }
        return true;
    }

    public static Rejection NotFound { get; } = new(StatusCodes.Status404NotFound, "404 page not found", RejectionReason.NotFound);

    public static Task NotFoundAsync(HttpResponse response) => RejectAsync(response.HttpContext, NotFound);

    public static Rejection MethodNotAllowed(string allow) =>
        new(StatusCodes.Status405MethodNotAllowed, "Method Not Allowed", RejectionReason.Method, new(Microsoft.Net.Http.Headers.HeaderNames.Allow, allow));

    public static Task MethodNotAllowedAsync(HttpResponse response, string allow) => RejectAsync(response.HttpContext, MethodNotAllowed(allow));

    /// <summary>Storage is down, throttling or too slow: retry after <paramref name="retryAfter"/> (<see cref="Core.Gateway.GatewayOptions.RetryAfter"/>), never a false success.</summary>
    public static Rejection Unavailable(string message, TimeSpan retryAfter) =>
        new(StatusCodes.Status503ServiceUnavailable, message, RejectionReason.Unavailable,
            new(Microsoft.Net.Http.Headers.HeaderNames.RetryAfter, ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>
    /// Go's <c>http.Redirect</c> to a cleaned path: <c>Location</c> escaped (<see cref="RedirectLocation"/>),
    /// and for GET the same small HTML body (GET and HEAD get its Content-Type).
    /// </summary>
    /// <param name="path">The decoded target path; it is escaped here.</param>
    public static Task RedirectAsync(HttpResponse response, int status, string path, string? query)
    {
        var location = RedirectLocation.Build(path, query);
        response.StatusCode = status;
        response.Headers.Location = location;
        var method = response.HttpContext.Request.Method;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
        {
            return Task.CompletedTask;
        }
        response.ContentType = "text/html; charset=utf-8";
        if (HttpMethods.IsHead(method))
        {
            return Task.CompletedTask;
        }
        var body = System.Text.Encoding.UTF8.GetBytes($"<a href=\"{HtmlEscape(location)}\">{ReasonPhrases.GetReasonPhrase(status)}</a>.\n\n");
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }

    /// <summary>Go's html.EscapeString, as http.Redirect uses it.</summary>
    private static string HtmlEscape(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("'", "&#39;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&#34;", StringComparison.Ordinal);
}
