using System.Net;
using System.Text;
using ServerlessPush.Testing;
using Xunit.Abstractions;

namespace ServerlessPush.Gateway.Tests.Storage;

/// <summary>
/// Storage requests per push, counted by each instance's <c>StorageRequestCounter</c>, two instances
/// over one table. The steady state (a group pushed again, from the same or from the other instance)
/// must stay at one read (the sibling check) plus one write.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class StorageRoundTripTests(AzuriteFixture fixture, ITestOutputHelper output)
{
    private const string Body = "# TYPE rt_items_total counter\nrt_items_total{k=\"1\"} 1\nrt_items_total{k=\"2\"} 2\nrt_items_total{k=\"3\"} 3\n# TYPE rt_depth gauge\nrt_depth{q=\"a\"} 1\nrt_depth{q=\"b\"} 2\n";

    [Fact]
    public async Task Steady_state_pushes_cost_one_read_and_one_write_on_either_instance()
    {
        await using var a = await GatewayServer.StartAsync(fixture.Azurite);
        await using var b = await GatewayServer.StartAsync(fixture.Azurite, tableName: a.TableName);
        foreach (var gateway in new[] { a, b })
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Put, "/metrics/job/warm", "w 1\n")).StatusCode);
        }

        var counts = new List<(string What, long Requests)>();
        async Task<long> CountAsync(string what, GatewayServer gateway, HttpMethod method, string path, string? ttl = null)
        {
            gateway.StorageRequests.Reset();
            var response = await SendAsync(gateway, method, path, Body, ttl);
            Assert.True(response.IsSuccessStatusCode, $"{what}: {(int)response.StatusCode}");
            var requests = gateway.StorageRequests.Count;
            counts.Add((what, requests));
            return requests;
        }

        const string g = "/metrics/job/rt/instance/i1";
        await CountAsync("A: PUT, new group", a, HttpMethod.Put, g);
        var steady = await CountAsync("A: PUT, same group again", a, HttpMethod.Put, g);
        await CountAsync("A: POST, same group", a, HttpMethod.Post, g);
        await CountAsync("B: PUT, same group (first from B)", b, HttpMethod.Put, g);
        var alternating = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            alternating.Add(await CountAsync($"{(i % 2 == 0 ? "A" : "B")}: PUT, alternating instances ({i + 1})", i % 2 == 0 ? a : b, HttpMethod.Put, g));
        }
        await CountAsync("A: PUT with TTL 1h, new group", a, HttpMethod.Put, "/metrics/job/rt/instance/i2", "1h");
        var steadyTtl = await CountAsync("A: PUT with TTL 1h, again", a, HttpMethod.Put, "/metrics/job/rt/instance/i2", "1h");

        foreach (var (what, requests) in counts)
        {
            output.WriteLine($"{requests,3}  {what}");
        }
        Assert.Equal(2, steady);
        Assert.Equal(2, steadyTtl);
        Assert.All(alternating, n => Assert.Equal(2, n));
    }

    [Fact]
    public async Task Steady_state_put_makes_point_operations_only()
    {
        // A query scans the whole table on Azurite (and a range of it on Azure); point operations find
        // their row by key. The steady-state PUT's sibling check finds no sibling: one point read.
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        const string g = "/metrics/job/pt/instance/i1";
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Put, g, Body)).StatusCode);

        gateway.StorageRequests.Reset();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Put, g, Body)).StatusCode);
        output.WriteLine($"steady PUT: {gateway.StorageRequests.Count} requests, {gateway.StorageRequests.Queries} queries");
        Assert.Equal(2, gateway.StorageRequests.Count);
        Assert.Equal(0, gateway.StorageRequests.Queries);
    }

    [Fact]
    public async Task A_first_push_makes_no_query()
    {
        // A query scans the whole table on Azurite, so a first push slowed as the store grew. Now the
        // names' types are one point read of each name's flags, and the permit is the one the group's
        // head names (a point read), or a new one. A first push of Body (a counter and a gauge) to a
        // new group: the sibling and head reads, the permit's creation, two registrations, two flag
        // reads, the write; from a second instance: the same without the permit's creation.
        await using var a = await GatewayServer.StartAsync(fixture.Azurite);
        await using var b = await GatewayServer.StartAsync(fixture.Azurite, tableName: a.TableName);
        foreach (var gateway in new[] { a, b })
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Put, "/metrics/job/warm", "w 1\n")).StatusCode);   // each knows the table exists
        }
        const string g = "/metrics/job/fq/instance/i1";

        a.StorageRequests.Reset();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(a, HttpMethod.Put, g, Body)).StatusCode);
        output.WriteLine($"first PUT of a new group: {a.StorageRequests.Count} requests, {a.StorageRequests.Queries} queries");
        b.StorageRequests.Reset();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(b, HttpMethod.Put, g, Body)).StatusCode);
        output.WriteLine($"first PUT from a second instance: {b.StorageRequests.Count} requests, {b.StorageRequests.Queries} queries");

        Assert.Equal((8L, 0L), (a.StorageRequests.Count, a.StorageRequests.Queries));
        Assert.Equal((7L, 0L), (b.StorageRequests.Count, b.StorageRequests.Queries));
    }

    private static Task<HttpResponseMessage> SendAsync(GatewayServer gateway, HttpMethod method, string path, string body, string? ttl = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
        if (ttl is not null)
        {
            request.Headers.Add("X-ServerlessPush-TTL", ttl);
        }
        return gateway.Client.SendAsync(request);
    }
}
