using System.Net;
using System.Text;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Storage;

/// <summary>
/// Two gateway instances over one table, as a scaled-out Functions app runs: each instance's scrape
/// view is refreshed from storage, so each serves what the other acknowledged.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ScaleOutTests(AzuriteFixture fixture) : IAsyncLifetime
{
    private GatewayServer _a = null!;
    private GatewayServer _b = null!;

    public async Task InitializeAsync()
    {
        _a = await GatewayServer.StartAsync(fixture.Azurite);
        _b = await GatewayServer.StartAsync(fixture.Azurite, tableName: _a.TableName);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static Task<HttpResponseMessage> SendAsync(GatewayServer gateway, HttpMethod method, string path, string body = "") =>
        gateway.Client.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "text/plain") });

    [Fact]
    public async Task Each_instance_serves_what_the_other_wrote_and_deleted()
    {
        // B's view is loaded before A writes, so what follows reaches B as changes, not a first load.
        Assert.DoesNotContain("job=\"shared\"", await _b.Client.GetStringAsync("/metrics"));

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Put, "/metrics/job/shared", "m 1\n")).StatusCode);
        Assert.Contains("m{instance=\"\",job=\"shared\"} 1\n", await _b.Client.GetStringAsync("/metrics"));

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Post, "/metrics/job/shared", "n 2\n")).StatusCode);
        var scrape = await _b.Client.GetStringAsync("/metrics");
        Assert.Contains("m{instance=\"\",job=\"shared\"} 1\n", scrape);
        Assert.Contains("n{instance=\"\",job=\"shared\"} 2\n", scrape);

        // A rejected push on B records a failure time that A's view shows.
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(_b, HttpMethod.Put, "/metrics/job/shared", "m 1 1000\n")).StatusCode);
        Assert.DoesNotContain("push_failure_time_seconds{instance=\"\",job=\"shared\"} 0\n", await _a.Client.GetStringAsync("/metrics"));

        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(_b, HttpMethod.Delete, "/metrics/job/shared")).StatusCode);
        Assert.DoesNotContain("job=\"shared\"", await _a.Client.GetStringAsync("/metrics"));

        // Re-created after the delete: no trace of the old failure time in either view.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Put, "/metrics/job/shared", "m 3\n")).StatusCode);
        foreach (var gateway in new[] { _a, _b })
        {
            scrape = await gateway.Client.GetStringAsync("/metrics");
            Assert.Contains("m{instance=\"\",job=\"shared\"} 3\n", scrape);
            Assert.Contains("push_failure_time_seconds{instance=\"\",job=\"shared\"} 0\n", scrape);
            Assert.DoesNotContain("n{", scrape);
        }
    }

    [Fact]
    public async Task A_delete_and_recreate_between_two_scrapes_is_seen_as_the_new_group()
    {
        await SendAsync(_a, HttpMethod.Put, "/metrics/job/flip", "# TYPE old gauge\nold 1\n");
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(_a, HttpMethod.Post, "/metrics/job/flip", "old 1 5\n")).StatusCode);
        Assert.Contains("old{instance=\"\",job=\"flip\"} 1\n", await _b.Client.GetStringAsync("/metrics"));

        await SendAsync(_a, HttpMethod.Delete, "/metrics/job/flip");
        await SendAsync(_a, HttpMethod.Put, "/metrics/job/flip", "new 2\n");

        var scrape = await _b.Client.GetStringAsync("/metrics");
        Assert.DoesNotContain("old{", scrape);
        Assert.Contains("new{instance=\"\",job=\"flip\"} 2\n", scrape);
        Assert.Contains("push_failure_time_seconds{instance=\"\",job=\"flip\"} 0\n", scrape);
    }
}
