using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ServerlessPush.Http;

/// <summary>Where the path the client sent can be read from.</summary>
public enum RequestPathSource
{
    /// <summary>The request target as the client sent it (the local host: Kestrel faces the client).</summary>
    ClientTarget,

    /// <summary>
    /// The request as the Azure Functions host forwarded it to the worker. The host's Kestrel decoded
    /// every escape but <c>%2F</c>, and its forwarder (YARP) escaped that path again, <c>%</c> included
    /// (dotnet/yarp#1419). So the worker's decoded <c>Request.Path</c> is the host's, in which an
    /// encoded slash is still the three characters <c>%2F</c>; the host passes no other copy of the
    /// URL with the invocation. A literal "%2F" in a value (sent as <c>%252F</c>) is indistinguishable
    /// from it there and is read as a slash too.
    /// </summary>
    ForwardedByFunctionsHost,
}

/// <summary>
/// The request path as the reference sees it (Go's URL.Path): fully percent-decoded, so an encoded
/// slash splits segments as it does there. Kestrel keeps <c>%2F</c> encoded in <c>Request.Path</c>,
/// so the raw target is decoded here instead. The router resolves it once per request; the
/// endpoints read the same value through <see cref="Decoded"/>.
/// </summary>
public static class RequestPath
{
    private sealed class ResolvedPathFeature(string path)
    {
        public string Path { get; } = path;
    }

    /// <summary>The decoded path from <paramref name="source"/>, remembered for <see cref="Decoded"/>.</summary>
    public static string Resolve(HttpContext context, RequestPathSource source)
    {
        var path = source == RequestPathSource.ForwardedByFunctionsHost ? FromForwardedPath(context) : FromClientTarget(context);
        context.Features.Set(new ResolvedPathFeature(path));
        return path;
    }

    /// <summary>The path the router resolved for this request, else the client's target.</summary>
    public static string Decoded(HttpContext context) =>
        context.Features.Get<ResolvedPathFeature>()?.Path ?? FromClientTarget(context);

    private static string FromClientTarget(HttpContext context)
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

    private static string FromForwardedPath(HttpContext context)
    {
        var path = (context.Request.PathBase + context.Request.Path).Value;
        return string.IsNullOrEmpty(path) ? "/" : path.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
    }
}
