using System.Net;
using System.Text;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Http;

/// <summary>
/// The seed blog post's PUT/POST/PUT/DELETE walkthrough, bodies exactly as its JavaScript template
/// strings produce them (4-space indents, blank lines, a last line of two spaces) and sent as axios
/// sends a string (form content type), against the gateway over real HTTP and Azurite.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlogWalkthroughTests(AzuriteFixture fixture) : IAsyncLifetime
{
    public const string FirstPut = "\n    # TYPE success_rate gauge\n\n    success_rate{target=\"app1\"} 30\n\n    success_rate{target=\"app2\"} 60\n\n    # TYPE duration gauge\n\n    duration{target=\"app1\"} 100\n\n    duration{target=\"app2\"} 80\n\n  ";
    public const string Post = "\n  # TYPE fail_rate gauge\n\n  fail_rate{target=\"app1\"} 60\n\n  fail_rate{target=\"app2\"} 30\n\n  # TYPE success_rate gauge\n\n  success_rate{target=\"app1\"} 30\n\n  success_rate{target=\"app2\"} 60\n\n";
    public const string SecondPut = "\n  # TYPE success_rate gauge\n\n  success_rate{target=\"app1\"} 10\n\n  success_rate{target=\"app2\"} 20\n\n";

    private GatewayServer _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayServer.StartAsync(fixture.Azurite);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Put_post_put_delete_show_what_the_blog_shows()
    {
        var client = _gateway.Client;

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Put, FirstPut)).StatusCode);
        var scrape = await client.GetStringAsync("/metrics");
        Assert.Contains("success_rate{instance=\"\",job=\"test\",target=\"app1\"} 30\n", scrape);
        Assert.Contains("duration{instance=\"\",job=\"test\",target=\"app2\"} 80\n", scrape);
        Assert.Contains("# TYPE push_time_seconds gauge\n", scrape);
        Assert.Contains("push_failure_time_seconds{instance=\"\",job=\"test\"} 0\n", scrape);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Post, Post)).StatusCode);
        scrape = await client.GetStringAsync("/metrics");
        Assert.Contains("fail_rate{instance=\"\",job=\"test\",target=\"app1\"} 60\n", scrape);
        Assert.Contains("duration{instance=\"\",job=\"test\",target=\"app1\"} 100\n", scrape);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Put, SecondPut)).StatusCode);
        scrape = await client.GetStringAsync("/metrics");
        Assert.Contains("success_rate{instance=\"\",job=\"test\",target=\"app1\"} 10\n", scrape);
        Assert.DoesNotContain("duration", scrape);
        Assert.DoesNotContain("fail_rate", scrape);

        var delete = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/metrics/job/test"));
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        scrape = await client.GetStringAsync("/metrics");
        Assert.DoesNotContain("job=\"test\"", scrape);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string body) =>
        client.SendAsync(new HttpRequestMessage(method, "/metrics/job/test")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"),
        });
}
