using Microsoft.AspNetCore.Http;
using ServerlessPush.Core;

namespace ServerlessPush.Http;

/// <summary>
/// Refuses requests that would change state and come from a web page on another site (cross-site
/// request forgery: a page can make the visitor's browser send a simple POST, with any credentials
/// the browser holds for the gateway, and needs no key if push is open). Browsers say where a
/// request comes from in headers a page cannot set: <c>Sec-Fetch-Site</c> (decides when present) and
/// <c>Origin</c> (sent with every cross-origin request and every non-GET fetch). Clients and tools
/// send neither, so they are never refused here.
/// </summary>
public static class CrossSiteRequests
{
    public const string SecFetchSite = "Sec-Fetch-Site";

    /// <summary>Null when the request may go on; otherwise why it is refused.</summary>
    public static string? RefusalReason(HttpRequest request)
    {
        var method = request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
        {
            return null;
        }
        var site = request.Headers[SecFetchSite].ToString();
        if (site.Length > 0)
        {
            // "none" is the user's own action (address bar, bookmark), not another page's.
            return site.Equals("same-origin", StringComparison.OrdinalIgnoreCase) || site.Equals("none", StringComparison.OrdinalIgnoreCase)
                ? null
                : $"Forbidden: cross-site request refused ({SecFetchSite}: {Shorten(site)}): a web page on another site may not push, delete or wipe; use a client, or the gateway's own page";
        }
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return null;
        }
        var own = OwnOrigin(request);
        return IsSameOrigin(origin, own)
            ? null
            : $"Forbidden: cross-site request refused (Origin {Shorten(origin)} is not this gateway's {own}): a web page on another site may not push, delete or wipe; use a client, or the gateway's own page";
    }

    /// <summary>Writes the 403 and returns false when the request is refused.</summary>
    public static async Task<bool> AllowAsync(HttpContext context)
    {
        var reason = RefusalReason(context.Request);
        if (reason is null)
        {
            return true;
        }
        await Responses.RejectAsync(context, new(StatusCodes.Status403Forbidden, reason, RejectionReason.Access)).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// The origin the browser saw: scheme and host as a proxy in front reports them
    /// (<c>X-Forwarded-Proto</c>/<c>-Host</c>), else as received. Trusting these is safe here: a page
    /// on another site cannot add them to a request without a CORS preflight, which is never granted.
    /// </summary>
    private static string OwnOrigin(HttpRequest request)
    {
        var scheme = FirstValue(request.Headers["X-Forwarded-Proto"].ToString()) ?? request.Scheme;
        var host = FirstValue(request.Headers["X-Forwarded-Host"].ToString()) ?? request.Host.Value ?? string.Empty;
        return $"{scheme}://{host}";
    }

    private static bool IsSameOrigin(string origin, string own) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var theirs)
        && Uri.TryCreate(own, UriKind.Absolute, out var ours)
        && string.Equals(theirs.Scheme, ours.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(theirs.IdnHost, ours.IdnHost, StringComparison.OrdinalIgnoreCase)
        && theirs.Port == ours.Port
        && theirs.AbsolutePath == "/";

    private static string? FirstValue(string header)
    {
        var first = header.Split(',')[0].Trim();
        return first.Length > 0 ? first : null;
    }

    private static string Shorten(string value) => value.Length <= 200 ? value : value[..200] + "…";
}
