using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessPush.Http;

namespace ServerlessPush.Functions.Triggers;

/// <summary><c>/-/healthy</c> and <c>/-/ready</c> (ready means storage answers).</summary>
public sealed class HealthFunctions(HealthEndpoints health)
{
    [Function("Healthy")]
    public IActionResult Healthy(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "-/healthy")] HttpRequest request)
        => new EndpointResult(health.HealthyAsync);

    [Function("Ready")]
    public IActionResult Ready(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "-/ready")] HttpRequest request)
        => new EndpointResult(health.ReadyAsync);
}
