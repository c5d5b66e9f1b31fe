using System.Net;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Storage;

/// <summary>
/// Storage round trips a scrape costs on an instance whose view is loaded (counted by the SDK
/// pipeline, per retry): one page of head ETags per 1,000 groups, plus one partition read per group
/// another instance changed, or one read of the whole range when many changed.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ScrapeCostTests(AzuriteFixture fixture)
{
    // No sweep during the test: it would add requests of its own.
    private static readonly Dictionary<string, string?> NoSweep = new() { [ExpiryOptions.ScheduleSetting] = "0 0 0 1 1 *" };

    [Fact]
    public async Task A_scrape_reads_the_head_versions_and_only_the_groups_that_changed()
    {
        await using var writer = await GatewayServer.StartAsync(fixture.Azurite, NoSweep);
        await using var reader = await GatewayServer.StartAsync(fixture.Azurite, NoSweep, tableName: writer.TableName);
        await reader.Client.GetStringAsync("/metrics");

        async Task<long> ScrapeRequestsAsync()
        {
            reader.StorageRequests.Reset();
            await reader.Client.GetStringAsync("/metrics");
            return reader.StorageRequests.Count;
        }
        async Task PutAsync(int group, int value) => Assert.Equal(HttpStatusCode.OK,
            (await writer.Client.PutAsync($"/metrics/job/cost/instance/i{group}", new StringContent($"cost_value {value}\n"))).StatusCode);

        for (var g = 0; g < 3; g++)
        {
            await PutAsync(g, 1);
        }
        Assert.Equal(1 + 3, await ScrapeRequestsAsync());   // the head scan, then the three new groups
        Assert.Equal(1, await ScrapeRequestsAsync());       // nothing changed: the head scan alone
        await PutAsync(1, 2);
        Assert.Equal(1 + 1, await ScrapeRequestsAsync());
        Assert.Equal(HttpStatusCode.Accepted, (await writer.Client.DeleteAsync("/metrics/job/cost/instance/i2")).StatusCode);
        Assert.Equal(1, await ScrapeRequestsAsync());       // a tombstone needs no read

        // More changes than 8 reads at a time finish in one wave: one read of the whole range instead;
        // the next scrapes scan the heads again (nothing changed: the scan alone).
        for (var g = 0; g < 20; g++)
        {
            await PutAsync(g, 3);
        }
        Assert.Equal(1 + 1, await ScrapeRequestsAsync());
        Assert.Equal(1, await ScrapeRequestsAsync());
        Assert.Equal(1, await ScrapeRequestsAsync());
        var scrape = await reader.Client.GetStringAsync("/metrics");
        Assert.Equal(20, scrape.Split('\n').Count(l => l.StartsWith("cost_value{", StringComparison.Ordinal) && l.EndsWith(" 3", StringComparison.Ordinal)));
    }
}
