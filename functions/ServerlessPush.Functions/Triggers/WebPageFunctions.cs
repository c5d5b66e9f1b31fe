using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessPush.Http.WebPage;

namespace ServerlessPush.Functions.Triggers;

/// <summary>
/// <c>GET /</c>, the web page, and <c>GET /static/{file}</c>, its script and style sheet.
/// An empty route cannot serve <c>/</c> in Azure Functions; an optional parameter that must be empty
/// matches exactly the site root (and takes it over from the host's default home page).
/// </summary>
public sealed class WebPageFunctions(WebPageEndpoint page)
{
    [Function("WebPage")]
    public IActionResult Page(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "{ignored:maxlength(0)?}")] HttpRequest request)
        => new EndpointResult(page.PageAsync);

    [Function("WebPageStatic")]
    public IActionResult Static(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "static/{file}")] HttpRequest request, string file)
        => new EndpointResult(context => page.StaticAsync(context, file));
}
