using System.Net;
using ServerlessPush.Gateway.Tests.Infrastructure;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Faults;

/// <summary>Many writers on one group at once, over real HTTP against Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ConcurrencyTests(AzuriteFixture fixture)
{
    private const int Writers = 32;

    [Fact]
    public async Task Concurrent_POSTs_of_different_families_all_survive()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        var responses = await Task.WhenAll(Enumerable.Range(0, Writers).Select(i =>
            gateway.Client.PostAsync("/metrics/job/shared", new StringContent($"family_{i} {i}\n"))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        var series = SeriesOf(await gateway.Client.GetStringAsync("/metrics"), "family_");
        Assert.Equal(Enumerable.Range(0, Writers).Select(i => $"family_{i}{{instance=\"\",job=\"shared\"}} {i}").Order(StringComparer.Ordinal), series);
    }

    [Fact]
    public async Task Concurrent_PUTs_leave_exactly_one_body()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        // Each body has families and values of its own, so a mix of two would show.
        static string Body(int i) => $"common{{w=\"{i}\"}} {i}\nonly_{i} 1\nsecond_{i}{{a=\"x\"}} {i}\n";
        var responses = await Task.WhenAll(Enumerable.Range(0, Writers).Select(i =>
            gateway.Client.PutAsync("/metrics/job/contended", new StringContent(Body(i)))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        var scraped = SeriesOf(await gateway.Client.GetStringAsync("/metrics"), "");
        var stored = scraped.Where(s => s.Contains("job=\"contended\"", StringComparison.Ordinal) && !s.StartsWith("push_", StringComparison.Ordinal)).ToList();
        var winners = Enumerable.Range(0, Writers).Where(i => Expected(i).SequenceEqual(stored)).ToList();
        Assert.True(winners.Count == 1, "stored series match no single body: " + string.Join(" | ", stored));

        static List<string> Expected(int i) => new List<string>
        {
            $"common{{instance=\"\",job=\"contended\",w=\"{i}\"}} {i}",
            $"only_{i}{{instance=\"\",job=\"contended\"}} 1",
            $"second_{i}{{a=\"x\",instance=\"\",job=\"contended\"}} {i}",
        }.Order(StringComparer.Ordinal).ToList();
    }

    private static List<string> SeriesOf(string exposition, string prefix) => exposition
        .Split('\n')
        .Where(l => l.Length > 0 && l[0] != '#' && l.StartsWith(prefix, StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .ToList();
}
