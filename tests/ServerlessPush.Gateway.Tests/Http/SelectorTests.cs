using System.Net;
using System.Text.Json;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Http;

/// <summary>
/// <c>match[]</c> selectors over grouping labels (issue 17) on <c>/metrics</c>, <c>/api/v1/metrics</c>
/// and the page, through HTTP on Azurite: the groups selected, several selectors OR-ed, 400 with the
/// reason, and the storage cost of <c>job="…"</c> following the job's groups, not the store's.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SelectorTests(AzuriteFixture fixture)
{
    private static readonly Dictionary<string, string?> NoSweep = new() { [ExpiryOptions.ScheduleSetting] = "0 0 0 1 1 *" };

    private static readonly string[] Groups = ["backup/site/eu", "backup/site/us", "etl-nightly/site/eu", "etl-hourly/site/us", "web/site/eu"];

    private static async Task SeedAsync(GatewayServer gateway)
    {
        foreach (var group in Groups)
        {
            using var put = await gateway.Client.PutAsync("/metrics/job/" + group, new StringContent("seen 1\n"));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
    }

    private static string Match(params string[] selectors) => string.Join('&', selectors.Select(s => "match[]=" + Uri.EscapeDataString(s)));

    /// <summary>The groups of a scrape, as <c>job/site</c>.</summary>
    private static async Task<string[]> ScrapedAsync(GatewayServer gateway, string query)
    {
        var text = await gateway.Client.GetStringAsync("/metrics?" + query);
        return [.. text.Split('\n').Where(l => l.StartsWith("seen{", StringComparison.Ordinal))
            .Select(l => $"{Label(l, "job")}/{Label(l, "site")}").Order(StringComparer.Ordinal)];
    }

    private static async Task<string[]> ListedAsync(GatewayServer gateway, string query)
    {
        var json = JsonDocument.Parse(await gateway.Client.GetStringAsync("/api/v1/metrics?" + query));
        return [.. json.RootElement.GetProperty("data").EnumerateArray()
            .Select(g => g.GetProperty("labels")).Select(l => $"{l.GetProperty("job").GetString()}/{l.GetProperty("site").GetString()}").Order(StringComparer.Ordinal)];
    }

    private static string Label(string line, string name)
    {
        var at = line.IndexOf(name + "=\"", StringComparison.Ordinal);
        if (at < 0)
        {
            return string.Empty;
        }
        var start = at + name.Length + 2;
        return line[start..line.IndexOf('"', start)];
    }

    [Theory]
    [InlineData("{job=\"backup\"}", "backup/eu backup/us")]
    [InlineData("{job=~\"etl-.*\",site=\"eu\"}", "etl-nightly/eu")]
    [InlineData("{job=~\"etl-.*\"}|{site=\"eu\",job!=\"backup\"}", "etl-hourly/us etl-nightly/eu web/eu")]
    [InlineData("{site!~\"e.\",job=~\".+\"}", "backup/us etl-hourly/us")]
    [InlineData("{job=~\"etl\"}", "")]
    [InlineData("{job=\"nothing\"}", "")]
    public async Task Scrape_and_api_serve_only_the_groups_a_selector_matches(string selectors, string expected)
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, NoSweep);
        await SeedAsync(gateway);
        var query = Match(selectors.Split('|'));
        var groups = expected.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToArray();
        Assert.Equal(groups, await ScrapedAsync(gateway, query));
        Assert.Equal(groups, await ListedAsync(gateway, query));
        Assert.Equal(Groups.Length, (await ScrapedAsync(gateway, string.Empty)).Length);
    }

    [Fact]
    public async Task The_page_takes_match_and_a_selector_in_its_filter()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, NoSweep);
        await SeedAsync(gateway);
        var page = await gateway.Client.GetStringAsync("/?" + Match("{job=~\"etl-.*\"}"));
        Assert.Contains("etl-nightly", page, StringComparison.Ordinal);
        Assert.DoesNotContain("\"backup\"</span>", page, StringComparison.Ordinal);
        var filtered = await gateway.Client.GetStringAsync("/?q=" + Uri.EscapeDataString("{site=\"us\",job=~\"b.*\"}"));
        Assert.Contains("\"backup\"</span>", filtered, StringComparison.Ordinal);
        Assert.DoesNotContain("etl-", filtered, StringComparison.Ordinal);
        Assert.DoesNotContain("\"web\"</span>", filtered, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/api/v1/metrics")]
    [InlineData("/")]
    public async Task A_bad_selector_is_400_with_the_reason(string path)
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, NoSweep);
        using var response = await gateway.Client.GetAsync(path + "?" + Match("{job=\"a\"}", "{job=~\"(\"}"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("invalid match[] selector {job=~\"(\"}: invalid regular expression", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var empty = await gateway.Client.GetAsync(path + "?" + Match("{}"));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("at least one matcher that does not match the empty value", await empty.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_selector_costs_the_jobs_groups_not_the_stores()
    {
        await using var writer = await GatewayServer.StartAsync(fixture.Azurite, NoSweep);
        await StoreSeeding.WriteAsync(writer, [GroupingKey.ForJob("small", ("instance", "a"))], DateTimeOffset.UtcNow);
        async Task<(long Filtered, long Unfiltered)> FreshScrapesAsync()
        {
            // Fresh instances: nothing in their scrape views yet.
            await using var filtered = await GatewayServer.StartAsync(fixture.Azurite, NoSweep, tableName: writer.TableName);
            await using var unfiltered = await GatewayServer.StartAsync(fixture.Azurite, NoSweep, tableName: writer.TableName);
            var text = await filtered.Client.GetStringAsync("/metrics?" + Match("{job=\"small\"}"));
            Assert.Equal(2, text.Split('\n').Count(l => l.StartsWith("push_", StringComparison.Ordinal))); // its push and failure time
            Assert.DoesNotContain("job=\"big\"", text, StringComparison.Ordinal);
            await unfiltered.Client.GetStringAsync("/metrics");
            return (filtered.StorageRequests.Count, unfiltered.StorageRequests.Count);
        }
        var small = await FreshScrapesAsync();
        await StoreSeeding.WriteAsync(writer, Enumerable.Range(0, 3000).Select(i => GroupingKey.ForJob("big", ("instance", $"i{i}"))), DateTimeOffset.UtcNow);
        var large = await FreshScrapesAsync();
        // The table check, the job's key range and its one group (a point read of its head, then its
        // partition), however large the store; the full scrape grows with it.
        Assert.True(large.Filtered <= 4 && large.Filtered == small.Filtered, $"job=\"small\" took {small.Filtered} then {large.Filtered} storage requests");
        Assert.True(large.Unfiltered > small.Unfiltered && large.Unfiltered > large.Filtered, $"the unfiltered scrape took {small.Unfiltered} then {large.Unfiltered}");
    }
}
