using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ServerlessPush.Http;

/// <summary>
/// The request path as the reference sees it (Go's URL.Path): fully percent-decoded, so an encoded
/// slash splits segments as it does there. Kestrel keeps <c>%2F</c> encoded in <c>Request.Path</c>,
/// so the raw target is decoded here instead.
/// </summary>
public static class RequestPath
{
    public static string Decoded(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/')
        {
            return (context.Request.PathBase + context.Request.Path).Value ?? "/";
        }
        var query = raw.IndexOf('?');
        if (query >= 0)
        {
            raw = raw[..query];
        }
        // '+' stays literal in a path, as in Go; WebUtility.UrlDecode would turn it into a space.
        return WebUtility.UrlDecode(raw.Replace("+", "%2B"));
    }
}
