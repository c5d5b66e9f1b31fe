using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessPush.Http;

namespace ServerlessPush.Functions.Triggers;

/// <summary>The reference's <c>/api/v1</c>: JSON metrics, status, admin wipe, CORS preflight.</summary>
public sealed class ApiFunctions(ApiEndpoints api)
{
    [Function("ApiMetrics")]
    public IActionResult Metrics(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/metrics")] HttpRequest request)
        => new EndpointResult(context => api.HandleAsync(context, "metrics"));

    [Function("ApiStatus")]
    public IActionResult Status(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/status")] HttpRequest request)
        => new EndpointResult(context => api.HandleAsync(context, "status"));

    [Function("ApiWipe")]
    public IActionResult Wipe(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/v1/admin/wipe")] HttpRequest request)
        => new EndpointResult(context => api.HandleAsync(context, "admin/wipe"));

    [Function("ApiDeleteJob")]
    public IActionResult DeleteJob(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/v1/groups")] HttpRequest request)
        => new EndpointResult(context => api.HandleAsync(context, "groups"));

    [Function("ApiOptions")]
    public IActionResult Options(
        [HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = "api/v1/{*route}")] HttpRequest request, string? route)
        => new EndpointResult(context => api.HandleAsync(context, route ?? string.Empty));
}
