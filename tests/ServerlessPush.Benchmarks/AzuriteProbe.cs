using System.Diagnostics;
using Azure.Data.Tables;
using ServerlessPush.Testing;

namespace ServerlessPush.Benchmarks;

/// <summary>
/// `azurite-probe`: how Azurite's own cost grows with the table, without the gateway: blind upserts
/// of head-like rows (one partition each) at 32 in parallel, and one-partition queries, per 1,000 rows added.
/// </summary>
public static class AzuriteProbe
{
    public static async Task<string> RunAsync(int rows)
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient("probe");
        await table.CreateIfNotExistsAsync();
        var payload = new byte[600];
        var result = new MarkdownTable("rows stored", "upserts/s (32 clients)", "point read p50 ms", "partition query p50 ms");
        for (var from = 0; from < rows; from += 1000)
        {
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(from, 1000), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
                await table.UpsertEntityAsync(new TableEntity($"g{i:D7}", "head") { ["D0"] = payload }, TableUpdateMode.Replace, ct));
            var rate = 1000 / clock.Elapsed.TotalSeconds;
            var points = new List<double>();
            var queries = new List<double>();
            for (var q = 0; q < 20; q++)
            {
                var pk = $"g{Random.Shared.Next(from + 1000):D7}";
                var started = Stopwatch.GetTimestamp();
                await table.GetEntityAsync<TableEntity>(pk, "head");
                points.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                started = Stopwatch.GetTimestamp();
                await foreach (var _ in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk}")))
                {
                }
                queries.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            result.Add(from + 1000, rate, LatencyRun.Percentile(points, 50), LatencyRun.Percentile(queries, 50));
            LoadBenchmark.Log($"{from + 1000} rows: {rate:0} upserts/s, point read {LatencyRun.Percentile(points, 50):0.0} ms, query {LatencyRun.Percentile(queries, 50):0.0} ms");
        }
        return "### Azurite alone as the table grows (no gateway)\n\n" + result;
    }
}
