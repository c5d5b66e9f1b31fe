using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Storage;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Expiry;

/// <summary>Group expiry against Azurite, with time injected (no sleeping).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ExpiryTests(AzuriteFixture fixture) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private GatewayServer _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayServer.StartAsync(
        fixture.Azurite,
        new Dictionary<string, string?>
        {
            ["Gateway:GroupTtl"] = "01:00:00",
            ["Gateway:MaxGroupTtl"] = "1.00:00:00",
            ["Gateway:Expiry:ExposeGauge"] = "true",
            // The local host's own sweep never fires during a test: the tests sweep explicitly.
            ["Gateway:Expiry:Schedule"] = "0 0 0 1 1 *",
        },
        builder => builder.Services.AddSingleton<TimeProvider>(_time));

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private IGroupStore Store => _gateway.Services.GetRequiredService<IGroupStore>();

    private ExpirySweeper Sweeper => _gateway.Services.GetRequiredService<ExpirySweeper>();

    private Task<HttpResponseMessage> PushAsync(string path, string body = "m 1\n", string? ttl = null, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Put, path) { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
        if (ttl is not null)
        {
            request.Headers.Add(PushTtl.HeaderName, ttl);
        }
        return _gateway.Client.SendAsync(request);
    }

    private async Task<HashSet<string>> StoredJobsAsync()
    {
        var jobs = new HashSet<string>();
        await foreach (var key in Store.ListKeysAsync())
        {
            jobs.Add(key.Job);
        }
        return jobs;
    }

    [Fact]
    public async Task A_thousand_groups_with_mixed_ttls_lose_exactly_the_expired_ones()
    {
        // 0 mod 3: the default TTL (1 h); 1 mod 3: 30 min; 2 mod 3: 2 h.
        string? TtlFor(int i) => (i % 3) switch { 0 => null, 1 => "30m", _ => "2h" };
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var response = await PushAsync($"/metrics/job/j{i}/instance/i{i}", "m 1\n", TtlFor(i));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });

        _time.Advance(TimeSpan.FromMinutes(45));
        // Exact at read time, before any sweep: the 30-minute groups are gone from the scrape.
        var scrape = await _gateway.Client.GetStringAsync("/metrics");
        Assert.DoesNotContain("job=\"j1\"", scrape);
        Assert.Contains("job=\"j0\"", scrape);
        Assert.Contains("job=\"j2\"", scrape);
        Assert.Contains("push_expiry_time_seconds{instance=\"i0\",job=\"j0\"}", scrape);

        var result = await Sweeper.SweepAsync();
        Assert.Equal(333, result.Deleted);
        var stored = await StoredJobsAsync();
        Assert.Equal(Enumerable.Range(0, 1000).Where(i => i % 3 != 1).Select(i => $"j{i}").ToHashSet(), stored);

        _time.Advance(TimeSpan.FromMinutes(30));
        result = await Sweeper.SweepAsync();
        Assert.Equal(334, result.Deleted);
        stored = await StoredJobsAsync();
        Assert.Equal(Enumerable.Range(0, 1000).Where(i => i % 3 == 2).Select(i => $"j{i}").ToHashSet(), stored);

        // Nothing left due: a further sweep finds no candidates.
        Assert.Equal(0, (await Sweeper.SweepAsync()).Candidates);
    }

    [Fact]
    public async Task A_renewal_racing_the_sweep_is_never_lost()
    {
        const int groups = 150;
        await Task.WhenAll(Enumerable.Range(0, groups).Select(i => PushAsync($"/metrics/job/race{i}", "m 1\n", "10m")));
        _time.Advance(TimeSpan.FromMinutes(11));

        // Every group is due; renew them all while the sweep runs.
        var sweep = Sweeper.SweepAsync();
        var renewals = Task.WhenAll(Enumerable.Range(0, groups).Select(i => PushAsync($"/metrics/job/race{i}", "m 2\n", "10m")));
        await sweep;
        Assert.All(await renewals, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        // A renewed group may have been swept before its renewal landed (then the renewal recreated
        // it); it is never deleted after the renewal. Either way every group is there, with m 2.
        var scrape = await _gateway.Client.GetStringAsync("/metrics");
        for (var i = 0; i < groups; i++)
        {
            Assert.Contains($"m{{instance=\"\",job=\"race{i}\"}} 2\n", scrape);
        }
        Assert.Equal(groups, (await StoredJobsAsync()).Count(j => j.StartsWith("race", StringComparison.Ordinal)));

        // And the renewed groups still expire later: the index entries survived the race.
        _time.Advance(TimeSpan.FromMinutes(11));
        await Sweeper.SweepAsync();
        Assert.DoesNotContain(await StoredJobsAsync(), j => j.StartsWith("race", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_group_swept_and_pushed_again_within_the_same_bucket_expires_again()
    {
        // Every push here expires in the same 10-minute bucket of the expiry index.
        for (var round = 0; round < 3; round++)
        {
            Assert.Equal(HttpStatusCode.OK, (await PushAsync("/metrics/job/again", "m 1\n", "15s")).StatusCode);
            _time.Advance(TimeSpan.FromSeconds(20));
            var result = await Sweeper.SweepAsync();
            Assert.True(result.Deleted == 1, $"round {round}: the sweep deleted {result.Deleted} groups of {result.Candidates} due entries");
            Assert.DoesNotContain("again", await StoredJobsAsync());
        }
    }

    [Fact]
    public async Task A_deleted_groups_tombstone_is_swept_even_when_it_shares_the_groups_expiry_bucket()
    {
        // The group expires at 13:00, its tombstone (kept an hour) at 13:01: the same index bucket.
        Assert.Equal(HttpStatusCode.OK, (await PushAsync("/metrics/job/tomb", "m 1\n", "1h")).StatusCode);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Accepted, (await _gateway.Client.DeleteAsync("/metrics/job/tomb")).StatusCode);

        _time.Advance(TimeSpan.FromMinutes(59.5));
        await Sweeper.SweepAsync();
        _time.Advance(TimeSpan.FromMinutes(2));
        await Sweeper.SweepAsync();

        var table = _gateway.Services.GetRequiredService<Azure.Data.Tables.TableClient>();
        var pk = ServerlessPush.Storage.Tables.TableKeys.GroupPartition(GroupingKey.ForJob("tomb"));
        var rows = new List<string>();
        await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>(Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {pk}")))
        {
            rows.Add(row.RowKey);
        }
        Assert.True(rows.Count == 0, "left in storage: " + string.Join(", ", rows));
    }

    [Fact]
    public async Task Two_concurrent_sweeps_delete_each_expired_group_once()
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, 300), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            Assert.Equal(HttpStatusCode.OK, (await PushAsync($"/metrics/job/twice{i}", "m 1\n", "5m")).StatusCode));
        _time.Advance(TimeSpan.FromMinutes(6));

        var results = await Task.WhenAll(Sweeper.SweepAsync(), Sweeper.SweepAsync());
        Assert.Equal(300, results.Sum(r => r.Deleted));
        Assert.Empty(await StoredJobsAsync());
    }

    [Fact]
    public async Task Post_renews_with_the_groups_own_ttl_and_put_renews_with_its_own()
    {
        Assert.Equal(HttpStatusCode.OK, (await PushAsync("/metrics/job/p", "a 1\n", "10m")).StatusCode);
        _time.Advance(TimeSpan.FromMinutes(8));
        // A POST without the header keeps the group's 10-minute TTL, renewed from now.
        Assert.Equal(HttpStatusCode.OK, (await PushAsync("/metrics/job/p", "b 1\n", method: HttpMethod.Post)).StatusCode);
        var group = await Store.GetAsync(GroupingKey.ForJob("p"));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(10), group!.ExpiresAt);
        Assert.Equal(["a", "b"], group.Families.Select(f => f.Name).Order());

        // A PUT without the header takes the default TTL (1 h).
        Assert.Equal(HttpStatusCode.OK, (await PushAsync("/metrics/job/p", "c 1\n")).StatusCode);
        group = await Store.GetAsync(GroupingKey.ForJob("p"));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromHours(1), group!.ExpiresAt);
    }

    [Fact]
    public async Task A_post_to_an_expired_group_does_not_bring_its_old_families_back()
    {
        await PushAsync("/metrics/job/old", "a 1\n", "5m");
        _time.Advance(TimeSpan.FromMinutes(6));
        await PushAsync("/metrics/job/old", "b 1\n", method: HttpMethod.Post);
        var group = await Store.GetAsync(GroupingKey.ForJob("old"));
        Assert.Equal(["b"], group!.Families.Select(f => f.Name));
    }

    [Theory]
    [InlineData("2d", "exceeds the maximum")]
    [InlineData("soon", "expected a duration")]
    [InlineData("0", "must be positive")]
    public async Task A_bad_ttl_header_is_a_400_and_stores_nothing(string ttl, string reason)
    {
        var response = await PushAsync("/metrics/job/badttl", "m 1\n", ttl);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        Assert.Null(await Store.GetAsync(GroupingKey.ForJob("badttl")));
    }

    [Fact]
    public async Task The_json_api_shows_each_groups_expiry()
    {
        await PushAsync("/metrics/job/api", "m 1\n", "90s");
        var json = JsonDocument.Parse(await _gateway.Client.GetStringAsync("/api/v1/metrics"));
        var group = json.RootElement.GetProperty("data").EnumerateArray().Single(g => g.GetProperty("labels").GetProperty("job").GetString() == "api");
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(90), DateTimeOffset.Parse(group.GetProperty("expires_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Delete_by_job_removes_every_group_of_the_job_and_nothing_else()
    {
        await PushAsync("/metrics/job/batch/instance/a");
        await PushAsync("/metrics/job/batch/instance/b/zone/z");
        await PushAsync("/metrics/job/batch");
        await PushAsync("/metrics/job/batch2");
        await PushAsync("/metrics/job/other/instance/batch");

        var response = await _gateway.Client.DeleteAsync("/api/v1/groups?job=batch");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("deleted").GetInt32());
        Assert.Equal(new HashSet<string> { "batch2", "other" }, await StoredJobsAsync());
    }
}
