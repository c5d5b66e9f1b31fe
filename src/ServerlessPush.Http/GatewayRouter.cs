using Microsoft.AspNetCore.Http;
using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Http;

/// <summary>
/// Dispatches a request on <see cref="GatewayRoutes"/>, as the reference's router does: unclean
/// paths are redirected, unknown paths get <c>404 page not found</c>, other methods 405. Both hosts
/// hand every request here; they differ only in where the path comes from (<see cref="RequestPathSource"/>).
/// </summary>
public sealed class GatewayRouter(PushEndpoint push, ScrapeEndpoint scrape, ApiEndpoints api, HealthEndpoints health, WebPageEndpoint webPage, OtlpEndpoint otlp, RequestDeadlineGuard deadlines)
{
    public Task HandleAsync(HttpContext context) => HandleAsync(context, RequestPathSource.ClientTarget);

    /// <summary>Every request runs under its deadline; storage faults that escape an endpoint are answered 503 there.</summary>
    public Task HandleAsync(HttpContext context, RequestPathSource source) =>
        deadlines.RunAsync(context, c => DispatchAsync(c, source));

    private Task DispatchAsync(HttpContext context, RequestPathSource source)
    {
        var path = RequestPath.Resolve(context, source);
        var cleaned = PushPath.CleanPath(path);
        if (cleaned != path)
        {
            return Responses.RedirectAsync(context.Response, StatusCodes.Status301MovedPermanently, cleaned, context.Request.QueryString.Value);
        }
        var route = GatewayRoutes.Find(path);
        if ((route is null || !route.Methods.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase))
            && GatewayRoutes.TrailingSlashRedirect(path, context.Request.Method) is { } location)
        {
            return Responses.RedirectAsync(context.Response, StatusCodes.Status301MovedPermanently, location, context.Request.QueryString.Value);
        }
        if (route is null)
        {
            return Responses.NotFoundAsync(context.Response);
        }
        if (!route.EndpointChecksMethod && !route.Methods.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase))
        {
            return MethodNotServedAsync(context, route);
        }
        var rest = route.Match == PathMatch.Prefix ? path[route.Path.Length..] : string.Empty;
        RequestTelemetry.Of(context)?.Handler = HandlerName(route.Endpoint, context.Request.Method, path);
        return route.Endpoint switch
        {
            GatewayEndpoint.WebPage => webPage.PageAsync(context),
            GatewayEndpoint.WebPageStatic => webPage.StaticAsync(context, rest),
            GatewayEndpoint.StatusPage => webPage.StatusPageAsync(context),
            GatewayEndpoint.Scrape => scrape.HandleAsync(context),
            GatewayEndpoint.Push => push.HandleAsync(context),
            GatewayEndpoint.Api => api.HandleAsync(context, path["/api/v1/".Length..]),
            GatewayEndpoint.Healthy => health.HealthyAsync(context),
            GatewayEndpoint.Ready => health.ReadyAsync(context),
            GatewayEndpoint.Otlp => otlp.HandleAsync(context),
            _ => throw new InvalidOperationException($"No handler for {route.Endpoint}"),
        };
    }

    /// <summary>The <c>handler</c> label: the reference's names where it has the endpoint, one fixed name per route.</summary>
    internal static string HandlerName(GatewayEndpoint endpoint, string method, string path) => endpoint switch
    {
        GatewayEndpoint.Push => HttpMethods.IsDelete(method) ? "delete" : "push",
        GatewayEndpoint.Scrape => "metrics",
        GatewayEndpoint.Api => path switch
        {
            "/api/v1/metrics" => "api/v1/metrics",
            "/api/v1/status" => "api/v1/status",
            "/api/v1/admin/wipe" => "api/v1/admin/wipe",
            "/api/v1/groups" => "api/v1/groups",
            _ => "api/v1",
        },
        GatewayEndpoint.Healthy => "healthy",
        GatewayEndpoint.Ready => "ready",
        GatewayEndpoint.WebPageStatic => "static",
        _ => "index",
    };

    /// <summary>As Go's router: OPTIONS lists the methods, any other method is a 405.</summary>
    private static Task MethodNotServedAsync(HttpContext context, GatewayRoute route)
    {
        var allow = string.Join(", ", route.Methods.Append("OPTIONS").Order(StringComparer.Ordinal));
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            context.Response.Headers.Allow = allow;
            return Responses.EmptyAsync(context.Response, StatusCodes.Status200OK);
        }
        return Responses.MethodNotAllowedAsync(context.Response, allow);
    }
}
