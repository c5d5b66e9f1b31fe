using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;
using ServerlessPush.Storage.Tables;

namespace ServerlessPush.Gateway.Tests.Storage;

/// <summary>
/// The scrape view reads a large store in key ranges side by side, split where the view (or, on a
/// fresh instance, the hints the last whole read left) says; whatever the split points, every
/// acknowledged write is served and nothing deleted is.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ScrapeRangeTests(AzuriteFixture fixture)
{
    private const int Groups = 2_500;

    private static GroupingKey Key(int i) => GroupingKey.ForJob("ranges", ("instance", $"i{i:D5}"));

    private static async Task WriteAsync(TableGroupStore store, int i, double value)
    {
        var families = TextFormatParser.Parse(Encoding.UTF8.GetBytes($"# TYPE ranged gauge\nranged {value}\n"));
        Assert.Null(PushValidator.ValidateAndSanitise(Key(i), families));
        await store.WriteAsync(Key(i), new ReplaceFamilies([.. families.Select(f => new PushedFamily(f, DateTimeOffset.UtcNow))], DateTimeOffset.UtcNow, null));
    }

    private TableGroupStore NewStore(TableClient table) =>
        new(table, new TableStorageOptions { CreateTableIfMissing = true }, TimeProvider.System, NullLogger<TableGroupStore>.Instance);

    private static async Task<Dictionary<string, double>> ReadAllAsync(TableGroupStore store)
    {
        var read = new Dictionary<string, double>();
        await foreach (var group in store.ReadAllAsync())
        {
            read.Add(group.Key.Canonical, group.Families.Single().Family.Metric.Single().Gauge.Value);
        }
        return read;
    }

    [Fact]
    public async Task A_fresh_instance_reads_in_the_ranges_the_last_whole_read_left_and_misses_nothing()
    {
        var table = new TableClient(fixture.Azurite.ConnectionString, "ranges" + Guid.NewGuid().ToString("N")[..12]);
        var writer = NewStore(table);
        await table.CreateIfNotExistsAsync();
        await Parallel.ForAsync(0, Groups, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) => await WriteAsync(writer, i, 1));

        // Storage order is the partition keys' (base64), not the instance numbers'.
        var ordered = Enumerable.Range(0, Groups).OrderBy(i => TableKeys.GroupPartition(Key(i)), StringComparer.Ordinal).ToArray();
        var first = NewStore(table);
        Assert.Equal(Groups, (await ReadAllAsync(first)).Count);
        // Its whole read left the split points: every 900th group key (one row per group here: 90% of a page).
        var hints = (await table.GetEntityAsync<TableEntity>(TableKeys.ScrapeHintsPartition, TableKeys.ScrapeHintsRow)).Value.GetString("Splits").Split('\n');
        Assert.Equal([TableKeys.GroupPartition(Key(ordered[900])), TableKeys.GroupPartition(Key(ordered[1_800]))], hints);

        // Writes on either side of a split point and on it, acknowledged before the read began.
        var changed = new[] { ordered[0], ordered[899], ordered[900], ordered[1_800], ordered[^1], Groups }; // the last one new
        foreach (var i in changed)
        {
            await WriteAsync(writer, i, 2);
        }
        await writer.DeleteAsync(Key(ordered[1_500]));

        var expected = Enumerable.Range(0, Groups + 1).Where(i => i != ordered[1_500])
            .ToDictionary(i => Key(i).Canonical, i => changed.Contains(i) ? 2.0 : 1.0);
        // Fresh, ranges from the hints: side by side.
        var counter = new StorageRequestCounter();
        var counted = new TableClientOptions();
        counted.AddPolicy(counter, Azure.Core.HttpPipelinePosition.PerRetry);
        Assert.Equal(expected, await ReadAllAsync(NewStore(new TableClient(fixture.Azurite.ConnectionString, table.Name, counted))));
        Assert.True(counter.PeakInFlight >= 2, $"peak {counter.PeakInFlight} requests in flight");
        Assert.Equal(expected, await ReadAllAsync(first));             // warm, ranges from its own view

        // Hints that are not split points of a group range give one range, not a wrong view.
        await table.UpsertEntityAsync(new TableEntity(TableKeys.ScrapeHintsPartition, TableKeys.ScrapeHintsRow) { ["Splits"] = "zz\ng'x\ng" }, TableUpdateMode.Replace);
        Assert.Equal(expected, await ReadAllAsync(NewStore(table)));
        await table.DeleteAsync();
    }
}
