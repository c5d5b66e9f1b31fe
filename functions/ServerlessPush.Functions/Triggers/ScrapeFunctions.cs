using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessPush.Http;

namespace ServerlessPush.Functions.Triggers;

/// <summary><c>GET /metrics</c>, the scrape target.</summary>
public sealed class ScrapeFunctions(ScrapeEndpoint scrape)
{
    [Function("Scrape")]
    public IActionResult Scrape(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "metrics")] HttpRequest request)
        => new EndpointResult(scrape.HandleAsync);
}
