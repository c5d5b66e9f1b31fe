namespace ServerlessPush.Http;

/// <summary>How a route's path is compared with a request's decoded path.</summary>
public enum PathMatch
{
    /// <summary>The path is exactly <see cref="GatewayRoute.Path"/>.</summary>
    Exact,

    /// <summary>The path starts with <see cref="GatewayRoute.Path"/>; the rest goes to the handler.</summary>
    Prefix,
}

/// <summary>Which endpoint a route runs. One value per handler of <see cref="GatewayRouter"/>.</summary>
public enum GatewayEndpoint
{
    WebPage,
    WebPageStatic,
    StatusPage,
    Scrape,
    Push,
    Api,
    Healthy,
    Ready,
    Otlp,
}

/// <summary>
/// One row of the route table.
/// </summary>
/// <param name="Name">The Azure Functions function that receives it from the host.</param>
/// <param name="FunctionRoute">The host's route template for that function (route prefix "" in host.json).</param>
/// <param name="Methods">The methods the function declares, and the only ones the route serves. Requests
/// with other methods reach the router through <see cref="GatewayRoutes.FallbackFunction"/> and get the
/// reference's 405; <paramref name="EndpointChecksMethod"/> routes answer that themselves.</param>
/// <param name="Path">The path as the reference routes it, compared by <paramref name="Match"/>.</param>
/// <param name="EndpointChecksMethod">The endpoint answers OPTIONS and 405 itself (push and API, whose
/// answers carry their own Allow and CORS headers); otherwise the router does.</param>
public sealed record GatewayRoute(
    string Name,
    string FunctionRoute,
    IReadOnlyList<string> Methods,
    string Path,
    PathMatch Match,
    GatewayEndpoint Endpoint,
    bool EndpointChecksMethod = false)
{
    public bool Matches(string path) => Match == PathMatch.Exact
        ? path == Path
        : path.StartsWith(Path, StringComparison.Ordinal);
}

/// <summary>
/// The reference's routes, defined once. The local host's router dispatches on this table; the
/// Functions app declares one function per row from the constants below (a test compares its
/// generated functions.metadata with the table) and a catch-all for everything else. Every function
/// hands the request to the same <see cref="GatewayRouter"/>, so whichever function the host picks,
/// the answer is the one the local host gives.
/// </summary>
public static class GatewayRoutes
{
    // Route templates, as constants because the Functions trigger attributes need them.
    public const string WebPageRoute = "{ignored:maxlength(0)?}"; // an empty route cannot serve "/": an optional empty parameter matches exactly the root
    public const string WebPageStaticRoute = "static/{file}";
    public const string StatusPageRoute = "status";
    public const string ScrapeRoute = "metrics";
    public const string PushRoute = "metrics/{*path}"; // catch-all: the gateway parses the path itself
    public const string ApiMetricsRoute = "api/v1/metrics";
    public const string ApiStatusRoute = "api/v1/status";
    public const string ApiWipeRoute = "api/v1/admin/wipe";
    public const string ApiDeleteGroupsRoute = "api/v1/groups";
    public const string ApiOptionsRoute = "api/v1/{*route}";
    public const string HealthyRoute = "-/healthy";
    public const string ReadyRoute = "-/ready";
    public const string OtlpMetricsRoute = "v1/metrics";

    /// <summary>The function with no route constraint: whatever no other function takes (wrong methods, unknown paths, <c>//</c>).</summary>
    public const string FallbackFunction = "Fallback";
    public const string FallbackRoute = "{*path}";

    /// <summary>In order: the first row whose path matches takes the request.</summary>
    public static IReadOnlyList<GatewayRoute> All { get; } =
    [
        new("WebPage", WebPageRoute, ["GET"], "/", PathMatch.Exact, GatewayEndpoint.WebPage),
        new("WebPageStatic", WebPageStaticRoute, ["GET"], "/static/", PathMatch.Prefix, GatewayEndpoint.WebPageStatic),
        new("StatusPage", StatusPageRoute, ["GET"], "/status", PathMatch.Exact, GatewayEndpoint.StatusPage),
        new("Scrape", ScrapeRoute, ["GET"], "/metrics", PathMatch.Exact, GatewayEndpoint.Scrape),
        new("Push", PushRoute, ["PUT", "POST", "DELETE"], "/metrics/", PathMatch.Prefix, GatewayEndpoint.Push, EndpointChecksMethod: true),
        new("ApiMetrics", ApiMetricsRoute, ["GET"], "/api/v1/metrics", PathMatch.Exact, GatewayEndpoint.Api, EndpointChecksMethod: true),
        new("ApiStatus", ApiStatusRoute, ["GET"], "/api/v1/status", PathMatch.Exact, GatewayEndpoint.Api, EndpointChecksMethod: true),
        new("ApiWipe", ApiWipeRoute, ["PUT"], "/api/v1/admin/wipe", PathMatch.Exact, GatewayEndpoint.Api, EndpointChecksMethod: true),
        new("ApiDeleteJob", ApiDeleteGroupsRoute, ["DELETE"], "/api/v1/groups", PathMatch.Exact, GatewayEndpoint.Api, EndpointChecksMethod: true),
        new("ApiOptions", ApiOptionsRoute, ["OPTIONS"], "/api/v1/", PathMatch.Prefix, GatewayEndpoint.Api, EndpointChecksMethod: true),
        new("Healthy", HealthyRoute, ["GET"], "/-/healthy", PathMatch.Exact, GatewayEndpoint.Healthy),
        new("Ready", ReadyRoute, ["GET"], "/-/ready", PathMatch.Exact, GatewayEndpoint.Ready),
        new("OtlpMetrics", OtlpMetricsRoute, ["POST"], "/v1/metrics", PathMatch.Exact, GatewayEndpoint.Otlp),
    ];

    /// <summary>
    /// Where the reference's router (httprouter) redirects a GET that only a slash separates from a
    /// route: <c>/metrics/</c> to <c>/metrics</c>, <c>/static</c> to <c>/static/</c>. Other methods get
    /// its 404. (Under <c>/api/v1</c> the reference redirects to the path without the prefix, a page
    /// that does not exist; this sends the full path.)
    /// </summary>
    public static string? TrailingSlashRedirect(string decodedPath, string method)
    {
        if (!HttpMethodsGet(method) || decodedPath.Length <= 1)
        {
            return null;
        }
        var other = decodedPath.EndsWith('/') ? decodedPath[..^1] : decodedPath + "/";
        return All.Any(r => r.Path == other && r.Methods.Contains("GET")) ? other : null;
    }

    private static bool HttpMethodsGet(string method) => string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase);

    /// <summary>The first route whose path matches, or null (the reference's 404).</summary>
    public static GatewayRoute? Find(string decodedPath)
    {
        foreach (var route in All)
        {
            if (route.Matches(decodedPath))
            {
                return route;
            }
        }
        return null;
    }
}
