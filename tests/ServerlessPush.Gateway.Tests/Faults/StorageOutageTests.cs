using System.Diagnostics;
using System.Net;
using ServerlessPush.Gateway.Tests.Infrastructure;
using ServerlessPush.Testing;
using Xunit.Abstractions;

namespace ServerlessPush.Gateway.Tests.Faults;

/// <summary>
/// Storage goes away under a running gateway (its own Azurite, stopped and restarted on the same
/// port): every storage-backed answer is a 503 with Retry-After, never a 200; readiness fails; when
/// storage is back the same gateway process serves again (the in-memory table is gone and is recreated).
/// </summary>
public sealed class StorageOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Everything_answers_503_while_storage_is_down_and_works_again_when_it_returns()
    {
        var phase = Stopwatch.StartNew();
        await using var azurite = await AzuriteServer.StartAsync();
        output.WriteLine($"Azurite started in {phase.ElapsedMilliseconds} ms");
        await using var gateway = await GatewayServer.StartAsync(azurite);
        var client = gateway.Client;

        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync("/metrics/job/before", new StringContent("m 1\n"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/-/ready")).StatusCode);

        phase.Restart();
        await azurite.StopAsync();
        output.WriteLine($"Azurite stopped in {phase.ElapsedMilliseconds} ms");

        var requests = new (string Name, Func<Task<HttpResponseMessage>> Send)[]
        {
            ("PUT", () => client.PutAsync("/metrics/job/during", new StringContent("m 1\n"))),
            ("POST", () => client.PostAsync("/metrics/job/during", new StringContent("m 1\n"))),
            ("DELETE", () => client.DeleteAsync("/metrics/job/before")),
            ("scrape", () => client.GetAsync("/metrics")),
            ("api metrics", () => client.GetAsync("/api/v1/metrics")),
            ("wipe", () => client.PutAsync("/api/v1/admin/wipe", null)),
            ("ready", () => client.GetAsync("/-/ready")),
        };
        foreach (var (name, send) in requests)
        {
            var stopwatch = Stopwatch.StartNew();
            var response = await send();
            stopwatch.Stop();
            output.WriteLine($"storage down: {name} -> {(int)response.StatusCode} in {stopwatch.ElapsedMilliseconds} ms");
            Assert.True(HttpStatusCode.ServiceUnavailable == response.StatusCode, $"{name}: {(int)response.StatusCode}");
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), $"{name} took {stopwatch.Elapsed}");
        }
        // The process itself is still healthy.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/-/healthy")).StatusCode);

        // A second gateway whose very first storage call fails (the table creation) must not stay broken.
        await using var late = await GatewayServer.StartAsync(azurite);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await late.Client.GetAsync("/-/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await late.Client.PutAsync("/metrics/job/late", new StringContent("m 1\n"))).StatusCode);

        phase.Restart();
        await azurite.RestartAsync();
        output.WriteLine($"Azurite restarted in {phase.ElapsedMilliseconds} ms");
        var recovery = Stopwatch.StartNew();
        // Same gateway, no restart: the table (lost with Azurite's memory) is recreated on demand.
        var put = await client.PutAsync("/metrics/job/after", new StringContent("m 2\n"));
        output.WriteLine($"storage back: first PUT -> {(int)put.StatusCode} in {recovery.ElapsedMilliseconds} ms");
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/metrics/job/after", new StringContent("n 3\n"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/-/ready")).StatusCode);
        var scraped = await client.GetStringAsync("/metrics");
        Assert.Contains("m{instance=\"\",job=\"after\"} 2", scraped, StringComparison.Ordinal);
        Assert.Contains("n{instance=\"\",job=\"after\"} 3", scraped, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, (await client.DeleteAsync("/metrics/job/after")).StatusCode);

        var lateReady = await late.Client.GetAsync("/-/ready");
        Assert.True(HttpStatusCode.OK == lateReady.StatusCode, "late gateway not ready: " + await lateReady.Content.ReadAsStringAsync());
        var latePut = await late.Client.PutAsync("/metrics/job/late", new StringContent("m 1\n"));
        Assert.True(HttpStatusCode.OK == latePut.StatusCode, "late gateway PUT: " + (int)latePut.StatusCode + " " + await latePut.Content.ReadAsStringAsync());
    }
}
