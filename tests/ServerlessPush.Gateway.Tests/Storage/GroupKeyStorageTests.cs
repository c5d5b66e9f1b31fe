using System.Net;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Storage.Tables;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Storage;

/// <summary>
/// Group keys through the real store, two instances over one table (A writes, B scrapes): groups
/// whose labels read alike stay apart, series whose labels read alike are both served, keys long
/// enough to be hashed work like any other, and a hashed partition that holds another group's rows
/// (what a SHA-256 collision would leave) is never served, overwritten or deleted for this group.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class GroupKeyStorageTests(AzuriteFixture fixture) : IAsyncLifetime
{
    // Past the readable length of a partition key, so these keys are SHA-256; each pair shares it as a prefix.
    private static readonly string LongValue = new('v', 400);
    private static readonly string LongJob = new('j', 200);

    private GatewayServer _a = null!;
    private GatewayServer _b = null!;

    public async Task InitializeAsync()
    {
        // Metric names of any length, for the hashed name index partitions.
        var settings = new Dictionary<string, string?> { ["Gateway:Limits:MaxMetricNameLength"] = "0" };
        _a = await GatewayServer.StartAsync(fixture.Azurite, settings);
        _b = await GatewayServer.StartAsync(fixture.Azurite, settings, tableName: _a.TableName);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static Task<HttpResponseMessage> SendAsync(GatewayServer gateway, HttpMethod method, string path, string body = "") =>
        gateway.Client.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "text/plain") });

    private static string PathOf(string job, string value) => $"/metrics/job/{Uri.EscapeDataString(job)}/v/{Uri.EscapeDataString(value)}";

    private static string Series(string name, string job, string value) => $"{name}{{instance=\"\",job=\"{job}\",v=\"{value}\"}}";

    private TableClient Table => _a.Services.GetRequiredService<TableClient>();

    [Fact]
    public async Task Groups_whose_labels_join_alike_are_stored_apart()
    {
        // Issue 12, item 1: joined with U+00FF the two keys were one, and the second PUT replaced the first.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Put, "/metrics/job/j/a/1/b/2", "m 1\n")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Put, "/metrics/job/j/a/1%C3%BFb%C3%BF2", "m 2\n")).StatusCode);

        foreach (var gateway in new[] { _a, _b })
        {
            var scrape = await gateway.Client.GetStringAsync("/metrics");
            Assert.Contains("m{a=\"1\",b=\"2\",instance=\"\",job=\"j\"} 1\n", scrape);
            Assert.Contains("m{a=\"1\u00FFb\u00FF2\",instance=\"\",job=\"j\"} 2\n", scrape);
        }
    }

    [Fact]
    public async Task Series_whose_labels_hash_alike_are_both_scraped()
    {
        // Issue 12, item 7: the scrape's duplicate check hashed both series alike and served one.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Put, "/metrics/job/zz/instance/i1", "coll2{a=\"b\",c=\"d\"} 1\n")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Put, "/metrics/job/zz", "coll2{a=\"b\uFFFFc\uFFFFd\",instance=\"i1\"} 2\n")).StatusCode);

        foreach (var gateway in new[] { _a, _b })
        {
            var scrape = await gateway.Client.GetStringAsync("/metrics");
            Assert.Contains("coll2{a=\"b\",c=\"d\",instance=\"i1\",job=\"zz\"} 1\n", scrape);
            Assert.Contains("coll2{a=\"b\uFFFFc\uFFFFd\",instance=\"i1\",job=\"zz\"} 2\n", scrape);
        }
    }

    [Fact]
    public async Task Hashed_keys_that_share_a_long_prefix_are_pushed_merged_scraped_and_deleted_apart()
    {
        string job1 = LongJob + "1", job2 = LongJob + "2", v1 = LongValue + "1", v2 = LongValue + "2";
        Assert.True(TableKeys.IsHashed(TableKeys.GroupPartition(GroupingKey.ForJob(job1, ("v", v1)))));
        Assert.True(TableKeys.IsHashed(TableKeys.JobPrefix(job1)));

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Put, PathOf(job1, v1), "m 1\n")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Put, PathOf(job1, v2), "m 2\n")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Put, PathOf(job2, v1), "m 3\n")).StatusCode);
        var scrape = await _b.Client.GetStringAsync("/metrics");
        Assert.Contains(Series("m", job1, v1) + " 1\n", scrape);
        Assert.Contains(Series("m", job1, v2) + " 2\n", scrape);
        Assert.Contains(Series("m", job2, v1) + " 3\n", scrape);

        // POST merges into its own group only; PUT (written conditionally on a hashed key) replaces it.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Post, PathOf(job1, v1), "n 4\n")).StatusCode);
        scrape = await _b.Client.GetStringAsync("/metrics");
        Assert.Contains(Series("m", job1, v1) + " 1\n", scrape);
        Assert.Contains(Series("n", job1, v1) + " 4\n", scrape);
        Assert.DoesNotContain(Series("n", job1, v2), scrape);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_b, HttpMethod.Put, PathOf(job1, v1), "m 5\n")).StatusCode);
        scrape = await _a.Client.GetStringAsync("/metrics");
        Assert.Contains(Series("m", job1, v1) + " 5\n", scrape);
        Assert.DoesNotContain(Series("n", job1, v1), scrape);
        Assert.Contains(Series("m", job1, v2) + " 2\n", scrape);

        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(_a, HttpMethod.Delete, PathOf(job1, v2))).StatusCode);
        scrape = await _b.Client.GetStringAsync("/metrics");
        Assert.DoesNotContain(Series("m", job1, v2), scrape);
        Assert.Contains(Series("m", job1, v1) + " 5\n", scrape);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Put, PathOf(job1, v2), "m 6\n")).StatusCode);

        // Delete by job: the job's key range, hashed job part and all, and nothing of the other job.
        var deleted = await SendAsync(_a, HttpMethod.Delete, "/api/v1/groups?job=" + Uri.EscapeDataString(job1));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Contains("\"deleted\":2", await deleted.Content.ReadAsStringAsync());
        scrape = await _b.Client.GetStringAsync("/metrics");
        Assert.DoesNotContain($"job=\"{job1}\"", scrape);
        Assert.Contains(Series("m", job2, v1) + " 3\n", scrape);
    }

    [Fact]
    public async Task Long_metric_names_that_share_a_prefix_keep_their_own_types()
    {
        string name1 = new string('m', 400) + "_a", name2 = new string('m', 400) + "_b";
        Assert.True(TableKeys.IsHashed(TableKeys.NamePartition(name1)));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Put, "/metrics/job/n1", $"# TYPE {name1} gauge\n{name1} 1\n")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Put, "/metrics/job/n2", $"# TYPE {name2} counter\n{name2} 2\n")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(_b, HttpMethod.Put, "/metrics/job/n3", $"# TYPE {name1} counter\n{name1} 3\n")).StatusCode);
        var scrape = await _b.Client.GetStringAsync("/metrics");
        Assert.Contains($"{name1}{{instance=\"\",job=\"n1\"}} 1\n", scrape);
        Assert.Contains($"{name2}{{instance=\"\",job=\"n2\"}} 2\n", scrape);
        Assert.DoesNotContain("job=\"n3\"", scrape);
    }

    [Fact]
    public async Task A_hashed_partition_holding_another_group_is_never_served_overwritten_or_deleted_for_this_one()
    {
        var owner = GroupingKey.ForJob("coll", ("v", LongValue + "owner"));
        var intruder = GroupingKey.ForJob("coll", ("v", LongValue + "intruder"));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Put, PathOf("coll", LongValue + "owner"), "# TYPE m gauge\nm 1\n")).StatusCode);

        // What a SHA-256 collision would leave: the intruder's partition holds the owner's rows, and
        // the owner's index row names that partition.
        var shared = TableKeys.GroupPartition(intruder);
        await MovePartitionAsync(TableKeys.GroupPartition(owner), shared);
        await MoveRowAsync(TableKeys.NamePartition("m"), TableKeys.TypeRow("GAUGE", TableKeys.GroupPartition(owner)), TableKeys.TypeRow("GAUGE", shared));
        var ownerSeries = Series("m", "coll", LongValue + "owner") + " 1\n";
        Assert.Contains(ownerSeries, await _b.Client.GetStringAsync("/metrics"));

        // Writes for the intruder are refused before anything of theirs is stored; nothing is taken over.
        var put = await SendAsync(_a, HttpMethod.Put, PathOf("coll", LongValue + "intruder"), "# TYPE m gauge\nm 2\n");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
        Assert.NotNull(put.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await SendAsync(_b, HttpMethod.Post, PathOf("coll", LongValue + "intruder"), "n 3\n")).StatusCode);
        // A rejected push records no failure time on the owner; a delete of the intruder removes nothing.
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(_a, HttpMethod.Put, PathOf("coll", LongValue + "intruder"), "m 4 1000\n")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(_a, HttpMethod.Delete, PathOf("coll", LongValue + "intruder"))).StatusCode);

        foreach (var gateway in new[] { _a, _b })
        {
            var scrape = await gateway.Client.GetStringAsync("/metrics");
            Assert.Contains(ownerSeries, scrape);
            Assert.Contains(Series("push_failure_time_seconds", "coll", LongValue + "owner") + " 0\n", scrape);
            Assert.DoesNotContain("intruder", scrape);
            Assert.DoesNotContain("n{", scrape);
        }
        var head = await Table.GetEntityAsync<TableEntity>(shared, TableKeys.HeadRow);
        Assert.Contains("owner", head.Value.GetString("Labels"));
        Assert.NotEqual(true, head.Value.GetBoolean("Deleted"));
        var indexRow = await Table.GetEntityAsync<TableEntity>(TableKeys.NamePartition("m"), TableKeys.TypeRow("GAUGE", shared));
        Assert.Contains("owner", indexRow.Value.GetString("Labels"));
    }

    [Fact]
    public async Task A_hashed_name_partition_holding_another_names_rows_is_neither_trusted_nor_overwritten()
    {
        string owner = new string('m', 400) + "_owner", intruder = new string('m', 400) + "_intruder";
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_a, HttpMethod.Put, "/metrics/job/x1", $"# TYPE {owner} gauge\n{owner} 1\n")).StatusCode);

        // What a SHA-256 collision of the names would leave: the intruder's index partition holds the owner's row.
        await MovePartitionAsync(TableKeys.NamePartition(owner), TableKeys.NamePartition(intruder));
        var ownerRow = TableKeys.TypeRow("GAUGE", TableKeys.GroupPartition(GroupingKey.ForJob("x1")));

        // The owner's own group pushing the intruder as a gauge would replace the owner's row: refused.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await SendAsync(_a, HttpMethod.Post, "/metrics/job/x1", $"# TYPE {intruder} gauge\n{intruder} 3\n")).StatusCode);
        // Another group's intruder of another type: the owner's row is no conflict, and not removed as stale.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_b, HttpMethod.Put, "/metrics/job/x2", $"# TYPE {intruder} counter\n{intruder} 2\n")).StatusCode);

        var row = await Table.GetEntityAsync<TableEntity>(TableKeys.NamePartition(intruder), ownerRow);
        Assert.Equal(owner, row.Value.GetString("Name"));
        var scrape = await _b.Client.GetStringAsync("/metrics");
        Assert.Contains($"{owner}{{instance=\"\",job=\"x1\"}} 1\n", scrape);
        Assert.Contains($"{intruder}{{instance=\"\",job=\"x2\"}} 2\n", scrape);
        Assert.DoesNotContain($"{intruder}{{instance=\"\",job=\"x1\"}}", scrape);
    }

    /// <summary>Re-keys every row of one partition into another, as a collision would have stored them.</summary>
    private async Task MovePartitionAsync(string from, string to)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {from}")))
        {
            rows.Add(row);
        }
        Assert.NotEmpty(rows);
        foreach (var row in rows)
        {
            await Table.UpsertEntityAsync(new TableEntity(row) { PartitionKey = to }, TableUpdateMode.Replace);
            await Table.DeleteEntityAsync(from, row.RowKey);
        }
    }

    private async Task MoveRowAsync(string partition, string from, string to)
    {
        var row = (await Table.GetEntityAsync<TableEntity>(partition, from)).Value;
        await Table.UpsertEntityAsync(new TableEntity(row) { RowKey = to }, TableUpdateMode.Replace);
        await Table.DeleteEntityAsync(partition, from);
    }
}
