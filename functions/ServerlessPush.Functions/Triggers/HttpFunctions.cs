using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessPush.Http;
using static ServerlessPush.Http.GatewayRoutes;

namespace ServerlessPush.Functions.Triggers;

/// <summary>
/// The HTTP functions: one per row of <see cref="GatewayRoutes"/> (so the host routes, names and
/// counts them as the table says) and a catch-all for the rest. Each hands the request to the one
/// <see cref="GatewayRouter"/>, which dispatches on the path the client sent, not on the function
/// the host picked: wrong methods, unclean paths and unknown paths get the reference's answers here
/// as on the local host. Anonymous: the gateway checks its own keys.
/// </summary>
public sealed class HttpFunctions(GatewayRouter router)
{
    [Function("WebPage")]
    public IActionResult WebPage([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = WebPageRoute)] HttpRequest request) => Route();

    [Function("WebPageStatic")]
    public IActionResult WebPageStatic([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = WebPageStaticRoute)] HttpRequest request) => Route();

    [Function("StatusPage")]
    public IActionResult StatusPage([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = StatusPageRoute)] HttpRequest request) => Route();

    [Function("Scrape")]
    public IActionResult Scrape([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ScrapeRoute)] HttpRequest request) => Route();

    [Function("Push")]
    public IActionResult Push([HttpTrigger(AuthorizationLevel.Anonymous, "put", "post", "delete", Route = PushRoute)] HttpRequest request) => Route();

    [Function("ApiMetrics")]
    public IActionResult ApiMetrics([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiMetricsRoute)] HttpRequest request) => Route();

    [Function("ApiStatus")]
    public IActionResult ApiStatus([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiStatusRoute)] HttpRequest request) => Route();

    [Function("ApiWipe")]
    public IActionResult ApiWipe([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ApiWipeRoute)] HttpRequest request) => Route();

    [Function("ApiDeleteJob")]
    public IActionResult ApiDeleteJob([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ApiDeleteGroupsRoute)] HttpRequest request) => Route();

    [Function("ApiOptions")]
    public IActionResult ApiOptions([HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = ApiOptionsRoute)] HttpRequest request) => Route();

    [Function("Healthy")]
    public IActionResult Healthy([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = HealthyRoute)] HttpRequest request) => Route();

    [Function("Ready")]
    public IActionResult Ready([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ReadyRoute)] HttpRequest request) => Route();

    [Function("OtlpMetrics")]
    public IActionResult OtlpMetrics([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = OtlpMetricsRoute)] HttpRequest request) => Route();

    /// <summary>No methods listed: the host routes every method here that no function above takes.</summary>
    [Function(FallbackFunction)]
    public IActionResult Fallback([HttpTrigger(AuthorizationLevel.Anonymous, Route = FallbackRoute)] HttpRequest request) => Route();

    private EndpointResult Route() => new(context => router.HandleAsync(context, RequestPathSource.ForwardedByFunctionsHost));
}
