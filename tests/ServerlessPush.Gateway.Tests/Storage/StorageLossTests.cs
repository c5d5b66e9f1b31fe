using System.Net;
using System.Text;
using Azure.Data.Tables;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Storage;

/// <summary>
/// The view follows storage when storage loses data: a restarted in-memory Azurite, a table deleted
/// and recreated, a group head removed behind the gateway's back (issue 12, item 6). Two instances
/// over one table; each has loaded its view before the loss.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class StorageLossTests(AzuriteFixture fixture)
{
    private static Task<HttpResponseMessage> SendAsync(GatewayServer gateway, HttpMethod method, string path, string body = "") =>
        gateway.Client.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "text/plain") });

    private static async Task PutAsync(GatewayServer gateway, string path, string body) =>
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Put, path, body)).StatusCode);

    private static async Task<string> ScrapeAsync(GatewayServer gateway) => await gateway.Client.GetStringAsync("/metrics");

    [Fact]
    public async Task After_a_restart_of_in_memory_storage_neither_instance_serves_the_lost_groups()
    {
        // Own Azurite: this test takes storage's data away.
        await using var azurite = await AzuriteServer.StartAsync();
        await using var a = await GatewayServer.StartAsync(azurite);
        await using var b = await GatewayServer.StartAsync(azurite, tableName: a.TableName);
        await PutAsync(a, "/metrics/job/lost/instance/a", "lost_value 1\n");
        await PutAsync(b, "/metrics/job/lost/instance/b", "lost_value 2\n");
        foreach (var gateway in new[] { a, b })
        {
            Assert.Contains("lost_value{instance=\"b\",job=\"lost\"} 2\n", await ScrapeAsync(gateway));
        }

        await azurite.RestartAsync();

        foreach (var gateway in new[] { a, b })
        {
            Assert.DoesNotContain("lost_value", await ScrapeAsync(gateway));
        }
        await PutAsync(b, "/metrics/job/lost/instance/c", "lost_value 3\n");
        foreach (var gateway in new[] { a, b })
        {
            var scrape = await ScrapeAsync(gateway);
            Assert.Contains("lost_value{instance=\"c\",job=\"lost\"} 3\n", scrape);
            Assert.DoesNotContain("instance=\"a\"", scrape);
        }
    }

    [Fact]
    public async Task After_storage_lost_its_data_DELETE_and_wipe_leave_nothing_served_on_either_instance()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var a = await GatewayServer.StartAsync(azurite);
        await using var b = await GatewayServer.StartAsync(azurite, tableName: a.TableName);
        await PutAsync(a, "/metrics/job/gone/instance/x", "gone_value 1\n");
        await PutAsync(a, "/metrics/job/wiped", "wiped_value 1\n");
        foreach (var gateway in new[] { a, b })
        {
            Assert.Contains("gone_value{instance=\"x\",job=\"gone\"} 1\n", await ScrapeAsync(gateway));
        }
        await azurite.RestartAsync();

        // The DELETE finds nothing to delete and answers 202: then the group must not be served, here or there.
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(a, HttpMethod.Delete, "/metrics/job/gone/instance/x")).StatusCode);
        Assert.DoesNotContain("gone_value", await ScrapeAsync(a));
        Assert.DoesNotContain("gone_value", await ScrapeAsync(b));

        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(b, HttpMethod.Put, "/api/v1/admin/wipe")).StatusCode);
        Assert.DoesNotContain("wiped_value", await ScrapeAsync(b));
        Assert.DoesNotContain("wiped_value", await ScrapeAsync(a));
    }

    [Fact]
    public async Task A_table_deleted_and_recreated_is_served_as_it_now_is()
    {
        await using var a = await GatewayServer.StartAsync(fixture.Azurite);
        await using var b = await GatewayServer.StartAsync(fixture.Azurite, tableName: a.TableName);
        await PutAsync(a, "/metrics/job/before", "before_value 1\n");
        foreach (var gateway in new[] { a, b })
        {
            Assert.Contains("before_value{instance=\"\",job=\"before\"} 1\n", await ScrapeAsync(gateway));
        }

        var service = new TableServiceClient(fixture.Azurite.ConnectionString);
        await service.DeleteTableAsync(a.TableName);
        await service.CreateTableAsync(a.TableName);
        await PutAsync(b, "/metrics/job/after", "after_value 2\n");

        foreach (var gateway in new[] { a, b })
        {
            var scrape = await ScrapeAsync(gateway);
            Assert.DoesNotContain("before_value", scrape);
            Assert.Contains("after_value{instance=\"\",job=\"after\"} 2\n", scrape);
        }
    }

    [Fact]
    public async Task A_group_whose_rows_vanished_from_storage_is_no_longer_served()
    {
        await using var a = await GatewayServer.StartAsync(fixture.Azurite);
        await using var b = await GatewayServer.StartAsync(fixture.Azurite, tableName: a.TableName);
        await PutAsync(a, "/metrics/job/vanish", "vanish_value 1\n");
        await PutAsync(a, "/metrics/job/stay", "stay_value 1\n");
        foreach (var gateway in new[] { a, b })
        {
            Assert.Contains("vanish_value{instance=\"\",job=\"vanish\"} 1\n", await ScrapeAsync(gateway));
        }

        // Someone (a script, a restore) removes the group's rows without a tombstone.
        var table = new TableClient(fixture.Azurite.ConnectionString, a.TableName);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "Labels"]))
        {
            rows.Add(row);
        }
        var partition = Assert.Single(rows, r => r.RowKey == "head" && r.GetString("Labels")?.Contains("\"vanish\"", StringComparison.Ordinal) == true).PartitionKey;
        foreach (var row in rows.Where(r => r.PartitionKey == partition))
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }

        foreach (var gateway in new[] { a, b })
        {
            var scrape = await ScrapeAsync(gateway);
            Assert.DoesNotContain("vanish_value", scrape);
            Assert.Contains("stay_value{instance=\"\",job=\"stay\"} 1\n", scrape);
        }
    }
}
