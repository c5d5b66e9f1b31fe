using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessPush.Functions.Triggers;
using ServerlessPush.Http;
using ServerlessPush.Storage.Tables;

namespace ServerlessPush.Functions.Tests;

/// <summary>
/// The triggers, composed as Program.cs composes them, executed against a plain HttpContext: every
/// answer carries an explicit status (never the Functions default 204), and with storage unreachable
/// a push is a 503, never a 200.
/// </summary>
public sealed class TriggerResultTests : IDisposable
{
    private readonly ServiceProvider _services;

    public TriggerResultTests()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            // Nothing listens on port 1: storage is unreachable.
            ["Gateway:Tables:ConnectionString"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;",
            ["Gateway:Access:AllowAnonymous"] = "true",
            ["Gateway:Access:AllowAnonymousAdmin"] = "true",
        }).Build();
        _services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Critical))
            .AddServerlessPushGateway(configuration)
            .AddTableStorage(configuration)
            .BuildServiceProvider();
    }

    public void Dispose() => _services.Dispose();

    private static async Task<(int Status, string Body)> ExecuteAsync(IActionResult result, string method, string path, string body = "")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        context.Response.Body = new MemoryStream();
        context.Response.StatusCode = StatusCodes.Status204NoContent; // what the Functions host would send by default
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));
        context.Response.Body.Position = 0;
        return (context.Response.StatusCode, await new StreamReader(context.Response.Body).ReadToEndAsync());
    }

    private HttpFunctions Functions(IServiceProvider? services = null) => ActivatorUtilities.CreateInstance<HttpFunctions>(services ?? _services);

    [Fact]
    public async Task Healthy_answers_200_OK()
    {
        var (status, body) = await ExecuteAsync(Functions().Healthy(null!), "GET", "/-/healthy");
        Assert.Equal((200, "OK"), (status, body));
    }

    [Fact]
    public async Task Ready_answers_503_when_storage_is_unreachable()
    {
        var (status, _) = await ExecuteAsync(Functions().Ready(null!), "GET", "/-/ready");
        Assert.Equal(503, status);
    }

    [Fact]
    public async Task A_bad_push_path_is_a_400_with_the_reason()
    {
        var (status, body) = await ExecuteAsync(Functions().Push(null!), "PUT", "/metrics/job/j/instance", "m 1\n");
        Assert.Equal((400, "odd number of components in label string \"/instance\"\n"), (status, body));
    }

    [Fact]
    public async Task An_encoded_slash_the_host_forwarded_splits_label_components_as_in_the_reference()
    {
        // The host's Kestrel keeps %2F encoded and its forwarder escapes the '%' again; the worker's
        // decoded path then holds the three characters "%2F" (see RequestPathSource).
        var (status, body) = await ExecuteAsync(Functions().Push(null!), "PUT", "/metrics/job/enc/l/a%2Fb", "m 1\n");
        Assert.Equal((400, "odd number of components in label string \"/l/a/b\"\n"), (status, body));
    }

    [Theory]
    [InlineData("GET", "/metrics/job/x", 405, "Method Not Allowed\n")]
    [InlineData("PATCH", "/metrics/job/x", 405, "Method Not Allowed\n")]
    [InlineData("GET", "/api/v1/admin/wipe", 405, "Method Not Allowed\n")]
    [InlineData("POST", "/-/healthy", 405, "Method Not Allowed\n")]
    [InlineData("HEAD", "/metrics", 405, "Method Not Allowed\n")]
    [InlineData("GET", "/no/such/path", 404, "404 page not found\n")]
    [InlineData("GET", "/metrics/", 301, "<a href=\"/metrics\">Moved Permanently</a>.\n\n")]
    public async Task Whatever_function_the_host_picks_the_answer_is_the_routers(string method, string path, int expectedStatus, string expectedBody)
    {
        // The host sends these to the catch-all, or to a function whose route ignores the trailing slash.
        foreach (var result in new[] { Functions().Fallback(null!), Functions().Scrape(null!) })
        {
            var (status, body) = await ExecuteAsync(result, method, path);
            Assert.Equal((expectedStatus, expectedBody), (status, body));
        }
    }

    [Fact]
    public async Task A_push_with_storage_unreachable_is_a_503_never_a_200()
    {
        var (status, _) = await ExecuteAsync(Functions().Push(null!), "PUT", "/metrics/job/j", "m 1\n");
        Assert.Equal(503, status);
    }

    [Fact]
    public async Task A_delete_answers_202_or_503_never_204()
    {
        var (status, _) = await ExecuteAsync(Functions().Push(null!), "DELETE", "/metrics/job/j");
        Assert.Equal(503, status);
    }

    [Fact]
    public async Task The_triggers_run_the_gateways_own_key_check()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Tables:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Gateway:Access:PushKeys:0"] = "push-key",
            ["Gateway:Access:ReadKeys:0"] = "read-key",
        }).Build();
        using var services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Critical))
            .AddServerlessPushGateway(configuration)
            .AddTableStorage(configuration)
            .BuildServiceProvider();
        var functions = Functions(services);

        Assert.Equal(401, (await ExecuteAsync(functions.Push(null!), "PUT", "/metrics/job/j", "m 1\n")).Status);
        Assert.Equal(401, (await ExecuteAsync(functions.Scrape(null!), "GET", "/metrics")).Status);
        Assert.Equal(401, (await ExecuteAsync(functions.ApiMetrics(null!), "GET", "/api/v1/metrics")).Status);
        Assert.Equal(401, (await ExecuteAsync(functions.ApiWipe(null!), "PUT", "/api/v1/admin/wipe")).Status);
    }
}
