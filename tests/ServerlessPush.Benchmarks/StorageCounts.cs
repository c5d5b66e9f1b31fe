using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ServerlessPush.Testing;

namespace ServerlessPush.Benchmarks;

/// <summary>
/// Storage requests per operation, counted by the gateway's own <c>StorageRequestCounter</c> (an Azure
/// SDK pipeline policy, per retry) in an in-process gateway over a table of its own, with a fake
/// clock so that type-index cache expiry and group expiry can be stepped through.
/// </summary>
public static class StorageCounts
{
    public static async Task<string> RunAsync(AzuriteServer azurite, int largeSeries)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await InProcessGateway.StartAsync(azurite, "counts",
            new Dictionary<string, string?> { ["Gateway:MaxGroupTtl"] = "31.00:00:00" },
            builder => builder.Services.AddSingleton<TimeProvider>(time));
        var counter = gateway.Counter;
        var table = new MarkdownTable("operation", "storage requests", "of which queries", "status");
        var body = Workload.GroupBody;

        async Task CountAsync(string what, Func<Task<int>> operation)
        {
            counter.Reset();
            var status = await operation();
            table.Add(what, counter.Count, counter.Queries, status);
            LoadBenchmark.Log($"  {what}: {counter.Count} requests, {counter.Queries} queries (status {status})");
        }
        Task<int> Push(HttpMethod method, string path, byte[] content, string? ttl = null) =>
            Http.PushAsync(gateway.BaseAddress, method, path, content, ttl).ContinueWith(t => t.Result.Status, TaskScheduler.Default);
        Task<int> Delete(string path) => Http.DeleteAsync(gateway.BaseAddress, path).ContinueWith(t => t.Result.Status, TaskScheduler.Default);

        // Warm the table (creation) so it is not counted.
        await Push(HttpMethod.Put, "/metrics/job/warm", "w 1\n"u8.ToArray());

        var g = Workload.GroupPath(1);
        await CountAsync("PUT, new group (2 families, names new to the index)", () => Push(HttpMethod.Put, g, body));
        await CountAsync("PUT, same group again (steady state: names registered by this instance)", () => Push(HttpMethod.Put, g, body));
        await CountAsync("POST, same group (steady state)", () => Push(HttpMethod.Post, g, body));
        time.Advance(TimeSpan.FromMinutes(2));
        await CountAsync("PUT, same group 2 min later", () => Push(HttpMethod.Put, g, body));
        await CountAsync("POST, same group right after", () => Push(HttpMethod.Post, g, body));
        await CountAsync("PUT, group without instance label (/metrics/job/solo), new", () => Push(HttpMethod.Put, "/metrics/job/solo", body));
        await CountAsync("PUT, /metrics/job/solo again", () => Push(HttpMethod.Put, "/metrics/job/solo", body));
        var t = Workload.GroupPath(2);
        await CountAsync("PUT with X-ServerlessPush-TTL: 1h, new group", () => Push(HttpMethod.Put, t, body, "1h"));
        await CountAsync("PUT with X-ServerlessPush-TTL: 1h, again (expiry entry cached)", () => Push(HttpMethod.Put, t, body, "1h"));
        await CountAsync("PUT rejected (type clash with the stored counter)", () => Push(HttpMethod.Put, Workload.GroupPath(3), "# TYPE bench_items_processed_total gauge\nbench_items_processed_total 1\n"u8.ToArray()));
        Task<int> Scrape() => Http.ScrapeAsync(gateway.BaseAddress).ContinueWith(_ => 200, TaskScheduler.Default);
        await Scrape();
        await CountAsync("GET /metrics, warm instance, nothing changed", Scrape);
        await Push(HttpMethod.Put, g, body);
        await CountAsync("GET /metrics, warm instance, one group changed", Scrape);
        await CountAsync("DELETE group", () => Delete(g));
        await CountAsync("DELETE group with TTL", () => Delete(t));
        var large = Workload.LargeBody(largeSeries);
        await CountAsync($"PUT of {largeSeries:N0} series ({large.Length / 1024} KiB text), new group", () => Push(HttpMethod.Put, "/metrics/job/bench_large", large));
        await CountAsync($"PUT of {largeSeries:N0} series again", () => Push(HttpMethod.Put, "/metrics/job/bench_large", large));
        await CountAsync($"DELETE of the {largeSeries:N0}-series group", () => Delete("/metrics/job/bench_large"));
        await Delete("/metrics/job/solo");
        await Delete("/metrics/job/warm");

        var sb = new StringBuilder();
        sb.Append("### Storage requests per operation (counted by StorageRequestCounter, per retry)\n\n");
        sb.Append("Group body: 2 families (counter, gauge) of 5 series; path `/metrics/job/bench/instance/…` unless stated.\n\n");
        sb.Append(table).Append('\n');
        return sb.ToString();
    }
}
