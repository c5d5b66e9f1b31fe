using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessPush.Http;

namespace ServerlessPush.Functions.Triggers;

/// <summary>
/// <c>PUT</c>/<c>POST</c>/<c>DELETE /metrics/job/…</c>. A catch-all route, because the host decodes
/// <c>%2F</c> and routes <c>job@base64</c> and <c>//</c> differently from the reference; the endpoint
/// parses the path itself. Anonymous: the gateway checks its own keys.
/// </summary>
public sealed class PushFunctions(PushEndpoint push)
{
    [Function("Push")]
    public IActionResult Push(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", "post", "delete", Route = "metrics/{*path}")] HttpRequest request)
        => new EndpointResult(push.HandleAsync);
}
