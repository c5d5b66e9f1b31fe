using System.Net;
using System.Text;
using Azure.Data.Tables;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Storage.Tables;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Storage;

/// <summary>
/// A group's head names the permit it was written with; an instance's first push joins that one (a
/// point read, no query) and, when it was revoked, fails its write once and takes a new one.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class GroupPermitTests(AzuriteFixture fixture)
{
    private const string Path = "/metrics/job/permits/instance/p1";
    private static readonly string Partition = TableKeys.GroupPartition(GroupingKey.ForJob("permits", ("instance", "p1")));

    private static async Task PutAsync(GatewayServer gateway, string body)
    {
        var response = await gateway.Client.PutAsync(Path, new StringContent(body, Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<(List<string> Permits, string? Named)> PermitsAsync(TableClient table)
    {
        var permits = new List<string>();
        string? named = null;
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}")))
        {
            if (row.RowKey.StartsWith(TableKeys.PermitPrefix, StringComparison.Ordinal))
            {
                permits.Add(row.RowKey[TableKeys.PermitPrefix.Length..]);
            }
            else if (row.RowKey == TableKeys.HeadRow)
            {
                named = row.GetString("Permit");
            }
        }
        return (permits, named);
    }

    [Fact]
    public async Task Instances_join_the_permit_the_head_names_and_take_a_new_one_once_it_is_revoked()
    {
        await using var a = await GatewayServer.StartAsync(fixture.Azurite);
        var table = new TableClient(fixture.Azurite.ConnectionString, a.TableName);
        await PutAsync(a, "permit_value 1\n");
        var (permits, named) = await PermitsAsync(table);
        var first = Assert.Single(permits);
        Assert.Equal(first, named);

        await using (var b = await GatewayServer.StartAsync(fixture.Azurite, tableName: a.TableName))
        {
            await PutAsync(b, "permit_value 2\n");
        }
        (permits, named) = await PermitsAsync(table);
        Assert.Equal([first], permits);
        Assert.Equal(first, named);

        // Revoked, as the type check revokes a permit: the head still names it.
        await table.DeleteEntityAsync(Partition, TableKeys.PermitRow(first));
        await using var c = await GatewayServer.StartAsync(fixture.Azurite, tableName: a.TableName);
        await PutAsync(c, "permit_value 3\n");
        (permits, named) = await PermitsAsync(table);
        var second = Assert.Single(permits);
        Assert.NotEqual(first, second);
        Assert.Equal(second, named);
        Assert.Contains("permit_value{instance=\"p1\",job=\"permits\"} 3\n", await c.Client.GetStringAsync("/metrics"));
    }
}
