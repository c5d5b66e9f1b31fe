using Azure.Data.Tables;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Storage.Tables;

namespace ServerlessPush.Gateway.Tests.Storage;

/// <summary>
/// The name index over Azurite: a lookup of "this name with any other type" finds every other type,
/// whichever type asks (it reads only the key ranges a type name can fall in).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class MetricTypeIndexTests(AzuriteFixture fixture)
{
    private static GroupingKey GroupOf(MetricType type) => GroupingKey.ForJob("types", ("instance", type.ToString()));

    [Fact]
    public async Task A_lookup_finds_the_name_under_every_other_type_whichever_type_asks()
    {
        var table = new TableClient(fixture.Azurite.ConnectionString, "typeindex" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateIfNotExistsAsync();
        var index = new TableMetricTypeIndex(table);
        var types = Enum.GetValues<MetricType>();
        foreach (var type in types)
        {
            await index.RegisterAsync(GroupOf(type), [("shared_name", type)]);
        }

        foreach (var asking in types)
        {
            var found = await index.FindAsync("shared_name", GroupOf(asking), asking, limit: 16);
            Assert.Equal(
                types.Where(t => t != asking).Order(),
                found.Select(r => r.Type).Order());
            Assert.All(found, r => Assert.Equal(GroupOf(r.Type), r.Group));
        }
    }

    [Fact]
    public async Task A_type_whose_rows_were_all_removed_stays_flagged_and_is_found_empty()
    {
        var table = new TableClient(fixture.Azurite.ConnectionString, "typeindex" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateIfNotExistsAsync();
        var index = new TableMetricTypeIndex(table);
        Assert.Empty(await index.FindAsync("once_gauge", GroupOf(MetricType.Counter), MetricType.Counter, limit: 8));

        await index.RegisterAsync(GroupOf(MetricType.Gauge), [("once_gauge", MetricType.Gauge)]);
        var gauge = Assert.Single(await index.FindAsync("once_gauge", GroupOf(MetricType.Counter), MetricType.Counter, limit: 8));
        Assert.True(await index.RemoveIfUnchangedAsync(gauge));

        Assert.Empty(await index.FindAsync("once_gauge", GroupOf(MetricType.Counter), MetricType.Counter, limit: 8));
        var flags = await table.GetEntityAsync<TableEntity>(TableKeys.NamePartition("once_gauge"), TableKeys.NameTypesRow);
        Assert.True(flags.Value.GetBoolean("GAUGE"));
    }
}
