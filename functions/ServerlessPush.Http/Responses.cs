using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

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

    /// <summary>Go's http.Error: text/plain, nosniff, message plus newline.</summary>
    public static Task ErrorAsync(HttpResponse response, int status, string message, CancellationToken cancellationToken = default)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.XContentTypeOptions = "nosniff";
        return response.WriteAsync(message + "\n", cancellationToken);
    }

    public static Task NotFoundAsync(HttpResponse response) => ErrorAsync(response, StatusCodes.Status404NotFound, "404 page not found");

    public static Task MethodNotAllowedAsync(HttpResponse response, string allow)
    {
        response.Headers.Allow = allow;
        return ErrorAsync(response, StatusCodes.Status405MethodNotAllowed, "Method Not Allowed");
    }

    /// <summary>Storage is down, throttling or too slow: retry later, never a false success. Nothing is written to a client that went away.</summary>
    public static Task UnavailableAsync(HttpResponse response, string message)
    {
        if (RequestDeadline.ClientGone(response.HttpContext))
        {
            return Task.CompletedTask;
        }
        response.Headers.RetryAfter = "5";
        return ErrorAsync(response, StatusCodes.Status503ServiceUnavailable, message);
    }

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
