using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Core.Tests.Gateway;

/// <summary><see cref="ScrapeService"/> over the in-memory store: what a scrape serves, and what it drops instead of failing.</summary>
public sealed class ScrapeServiceTests
{
    [Fact]
    public async Task A_family_whose_type_clashes_with_an_earlier_group_is_dropped_and_the_rest_is_served()
    {
        var gateway = new InMemoryGateway();
        // Written without permits, as data that slipped past the push checks would be.
        await gateway.Store.WriteAsync(GroupingKey.ForJob("a"), Families("# TYPE x gauge\nx{job=\"a\"} 1\n", gateway));
        await gateway.Store.WriteAsync(GroupingKey.ForJob("b"), Families("# TYPE x counter\nx{job=\"b\"} 2\ny{job=\"b\"} 3\n", gateway));

        Assert.Equal(["x{job=a} 1", "y{job=b} 3"], await gateway.ScrapedSeriesAsync());
    }

    [Fact]
    public async Task Every_live_group_has_its_timestamp_gauges_and_an_expired_group_is_not_served()
    {
        var gateway = new InMemoryGateway();
        Assert.True((await gateway.PutAsync(GroupingKey.ForJob("a"), "x 1\n")).Accepted);
        Assert.True((await gateway.PutAsync(GroupingKey.ForJob("b"), "x 2\n", ttl: TimeSpan.FromMinutes(1))).Accepted);
        gateway.Time.Advance(TimeSpan.FromMinutes(2));

        var families = await gateway.Scrape.CollectAsync();
        var pushTime = Assert.Single(families, f => f.Name == TimestampGauges.PushTimeName);
        Assert.Equal(["a"], pushTime.Metric.Select(m => m.Label.Single(l => l.Name == "job").Value));
        Assert.Equal(["x{instance=,job=a} 1"], await gateway.ScrapedSeriesAsync());
        Assert.Equal(["a"], (await gateway.Scrape.ListGroupsAsync()).Select(g => g.Key.Job));
    }

    [Fact]
    public async Task The_expiry_gauge_is_served_only_when_configured()
    {
        var off = new InMemoryGateway();
        Assert.True((await off.PutAsync(GroupingKey.ForJob("a"), "x 1\n", ttl: TimeSpan.FromMinutes(1))).Accepted);
        Assert.DoesNotContain(await off.Scrape.CollectAsync(), f => f.Name == TimestampGauges.ExpiryTimeName);

        var on = new InMemoryGateway(new GatewayOptions { Expiry = { ExposeGauge = true } });
        Assert.True((await on.PutAsync(GroupingKey.ForJob("a"), "x 1\n", ttl: TimeSpan.FromMinutes(1))).Accepted);
        var gauge = Assert.Single(await on.Scrape.CollectAsync(), f => f.Name == TimestampGauges.ExpiryTimeName);
        Assert.Equal((on.Time.GetUtcNow() + TimeSpan.FromMinutes(1)).ToUnixTimeSeconds(), Assert.Single(gauge.Metric).Gauge.Value);
    }

    [Fact]
    public async Task Families_of_one_name_from_several_groups_are_merged_into_one_sorted_family()
    {
        var gateway = new InMemoryGateway();
        Assert.True((await gateway.PutAsync(GroupingKey.ForJob("b"), "x 2\n")).Accepted);
        Assert.True((await gateway.PutAsync(GroupingKey.ForJob("a"), "x 1\n")).Accepted);
        var x = Assert.Single(await gateway.Scrape.CollectAsync(), f => f.Name == "x");
        Assert.Equal(["a", "b"], x.Metric.Select(m => m.Label.Single(l => l.Name == "job").Value));
    }

    private static ReplaceFamilies Families(string body, InMemoryGateway gateway)
    {
        var now = gateway.Time.GetUtcNow();
        return new ReplaceFamilies(InMemoryGateway.Parse(body).Select(f => new PushedFamily(f, now)).ToList(), now, null);
    }
}
