using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ServerlessPush.Functions.Triggers;

/// <summary>
/// Runs a gateway endpoint against the worker's real HttpContext. The endpoint always sets the
/// status itself, so the Functions default of 204 never reaches a client.
/// </summary>
public sealed class EndpointResult(Func<HttpContext, Task> endpoint) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context) => endpoint(context.HttpContext);
}
