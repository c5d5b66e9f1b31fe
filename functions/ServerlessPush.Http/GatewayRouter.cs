using Microsoft.AspNetCore.Http;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Http.WebPage;

namespace ServerlessPush.Http;

/// <summary>
/// The reference's route table in one place, for a host that hands every request here (the local
/// host). The Functions app routes in the host instead and calls the same endpoint classes.
/// </summary>
public sealed class GatewayRouter(PushEndpoint push, ScrapeEndpoint scrape, ApiEndpoints api, HealthEndpoints health, WebPageEndpoint webPage)
{
    public Task HandleAsync(HttpContext context)
    {
        var path = RequestPath.Decoded(context);
        var method = context.Request.Method;
        var cleaned = PushPath.CleanPath(path);
        if (cleaned != path)
        {
            return Responses.RedirectAsync(context.Response, StatusCodes.Status301MovedPermanently, cleaned, context.Request.QueryString.Value);
        }
        if (path.StartsWith("/metrics/", StringComparison.Ordinal))
        {
            return push.HandleAsync(context);
        }
        if (path.StartsWith("/api/v1/", StringComparison.Ordinal))
        {
            return api.HandleAsync(context, path["/api/v1/".Length..]);
        }
        if (path.StartsWith(WebPageEndpoint.StaticPrefix, StringComparison.Ordinal))
        {
            var file = path[WebPageEndpoint.StaticPrefix.Length..];
            return Only(context, "GET", c => webPage.StaticAsync(c, file));
        }
        return path switch
        {
            "/" => Only(context, "GET", webPage.PageAsync),
            "/metrics" => Only(context, "GET", scrape.HandleAsync),
            "/-/healthy" => Only(context, "GET", health.HealthyAsync),
            "/-/ready" => Only(context, "GET", health.ReadyAsync),
            _ => Responses.NotFoundAsync(context.Response),
        };
    }

    private static Task Only(HttpContext context, string method, Func<HttpContext, Task> handler)
    {
        if (context.Request.Method == method)
        {
            return handler(context);
        }
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            context.Response.Headers.Allow = $"{method}, OPTIONS";
            return Responses.EmptyAsync(context.Response, StatusCodes.Status200OK);
        }
        return Responses.MethodNotAllowedAsync(context.Response, $"{method}, OPTIONS");
    }
}
