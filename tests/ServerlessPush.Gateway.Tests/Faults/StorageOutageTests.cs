using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Storage.Tables;
using ServerlessPush.Testing;
using Xunit.Abstractions;

using ServerlessPush.Gateway.Tests.Infrastructure;

namespace ServerlessPush.Gateway.Tests.Faults;

/// <summary>
/// Storage goes away under a running gateway (its own Azurite, stopped and restarted on the same
/// port): every storage-backed answer is a 503 with Retry-After, never a 200; readiness fails; when
/// storage is back the same gateway process serves again (the in-memory table is gone and is recreated).
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class StorageOutageTests(ITestOutputHelper output)
{
    /// <summary>Refused connections fail at once; short back-off keeps the test from waiting on retries that cannot help.</summary>
    private static readonly Dictionary<string, string?> QuickRetries = new()
    {
        ["Gateway:Tables:Retry:MaxRetries"] = "1",
        ["Gateway:Tables:Retry:Delay"] = "00:00:00.050",
        ["Gateway:RetryAfter"] = "00:00:07",
    };

    [Fact]
    public async Task Everything_answers_503_while_storage_is_down_and_works_again_when_it_returns()
    {
        var phase = Stopwatch.StartNew();
        await using var azurite = await AzuriteServer.StartAsync();
        output.WriteLine($"Azurite started in {phase.ElapsedMilliseconds} ms");
        await using var gateway = await GatewayServer.StartAsync(azurite, QuickRetries);
        var client = gateway.Client;

        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync("/metrics/job/before", new StringContent("m 1\n"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/-/ready")).StatusCode);

        phase.Restart();
        await azurite.StopAsync();
        output.WriteLine($"Azurite stopped in {phase.ElapsedMilliseconds} ms");

        var requests = new (string Name, Func<Task<HttpResponseMessage>> Send)[]
        {
            ("PUT", () => client.PutAsync("/metrics/job/during", new StringContent("m 1\n"))),
            ("POST", () => client.PostAsync("/metrics/job/during", new StringContent("m 1\n"))),
            ("DELETE", () => client.DeleteAsync("/metrics/job/before")),
            ("scrape", () => client.GetAsync("/metrics")),
            ("api metrics", () => client.GetAsync("/api/v1/metrics")),
            ("wipe", () => client.PutAsync("/api/v1/admin/wipe", null)),
            ("ready", () => client.GetAsync("/-/ready")),
        };
        foreach (var (name, send) in requests)
        {
            var stopwatch = Stopwatch.StartNew();
            var response = await send();
            stopwatch.Stop();
            output.WriteLine($"storage down: {name} -> {(int)response.StatusCode} in {stopwatch.ElapsedMilliseconds} ms");
            Assert.True(HttpStatusCode.ServiceUnavailable == response.StatusCode, $"{name}: {(int)response.StatusCode}");
            // The setting's value, not a constant.
            Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), $"{name} took {stopwatch.Elapsed}");
        }
        // The process itself is still healthy.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/-/healthy")).StatusCode);

        // A second gateway whose very first storage call fails (the table creation) must not stay broken.
        await using var late = await GatewayServer.StartAsync(azurite, QuickRetries);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await late.Client.GetAsync("/-/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await late.Client.PutAsync("/metrics/job/late", new StringContent("m 1\n"))).StatusCode);

        phase.Restart();
        await azurite.RestartAsync();
        output.WriteLine($"Azurite restarted in {phase.ElapsedMilliseconds} ms");
        var recovery = Stopwatch.StartNew();
        // Same gateway, no restart: the table (lost with Azurite's memory) is recreated on demand.
        var put = await client.PutAsync("/metrics/job/after", new StringContent("m 2\n"));
        output.WriteLine($"storage back: first PUT -> {(int)put.StatusCode} in {recovery.ElapsedMilliseconds} ms");
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/metrics/job/after", new StringContent("n 3\n"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/-/ready")).StatusCode);
        var scraped = await client.GetStringAsync("/metrics");
        Assert.Contains("m{instance=\"\",job=\"after\"} 2", scraped, StringComparison.Ordinal);
        Assert.Contains("n{instance=\"\",job=\"after\"} 3", scraped, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, (await client.DeleteAsync("/metrics/job/after")).StatusCode);

        var lateReady = await late.Client.GetAsync("/-/ready");
        Assert.True(HttpStatusCode.OK == lateReady.StatusCode, "late gateway not ready: " + await lateReady.Content.ReadAsStringAsync());
        var latePut = await late.Client.PutAsync("/metrics/job/late", new StringContent("m 1\n"));
        Assert.True(HttpStatusCode.OK == latePut.StatusCode, "late gateway PUT: " + (int)latePut.StatusCode + " " + await latePut.Content.ReadAsStringAsync());
    }

    /// <summary>The request deadline's default (Gateway:RequestDeadline), which the docs promise.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    /// <summary>Allowance for scheduling on a loaded test machine; deadline plus this stays under Prometheus's 10 s.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2.5);

    private const int SmallGroups = 3;
    // Random 48-byte ids do not compress: the group is stored as chunk rows behind its head.
    private const int BigSeries = 16_000;

    /// <summary>
    /// Storage that hangs rather than refuses (SIGSTOP to Azurite's pid, while pushes, deletes, scrapes
    /// and readiness probes run): every answer comes within the deadline, and while storage is frozen
    /// every answer is 503 with Retry-After. After SIGCONT the same gateway serves again, and no
    /// answer ever showed a group half-written (the large group's chunk rows included).
    /// </summary>
    [Fact]
    public async Task Hung_storage_answers_503_within_the_deadline_under_load_and_nothing_half_written_is_served()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(azurite, new Dictionary<string, string?> { ["Gateway:RequestDeadline"] = Deadline.ToString() });
        var client = gateway.Client;
        var bigLabels = Enumerable.Range(0, BigSeries).Select(_ => Convert.ToHexString(RandomNumberGenerator.GetBytes(48))).ToArray();
        var load = new StallLoad(client, bigLabels);

        for (var w = 0; w < SmallGroups; w++)
        {
            Assert.Equal(HttpStatusCode.OK, (await load.PushAsync(HttpMethod.Put, $"s{w}")).Status);
        }
        Assert.Equal(HttpStatusCode.OK, (await load.PushAsync(HttpMethod.Put, "big")).Status);
        Assert.True(await ChunkRowsAsync(azurite, gateway, "big") > 0, "the big group is not stored in chunk rows");

        using var stop = new CancellationTokenSource();
        var loops = new List<Task>();
        for (var w = 0; w < SmallGroups; w++)
        {
            var group = $"s{w}";
            loops.Add(load.LoopAsync($"push {group}", i => load.PushAsync(i % 2 == 0 ? HttpMethod.Put : HttpMethod.Post, group), stop.Token));
        }
        loops.Add(load.LoopAsync("push big", _ => load.PushAsync(HttpMethod.Put, "big"), stop.Token));
        loops.Add(load.LoopAsync("put/delete del", i => i % 2 == 0 ? load.PushAsync(HttpMethod.Put, "del") : load.DeleteAsync("del"), stop.Token));
        loops.Add(load.LoopAsync("scrape 1", _ => load.ScrapeAsync(), stop.Token));
        loops.Add(load.LoopAsync("scrape 2", _ => load.ScrapeAsync(), stop.Token));
        loops.Add(load.LoopAsync("ready", _ => load.GetAsync("/-/ready"), stop.Token));
        loops.Add(load.LoopAsync("api metrics", _ => load.GetAsync("/api/v1/metrics"), stop.Token));

        await Task.Delay(TimeSpan.FromSeconds(2));
        var suspendedAt = load.Now;
        azurite.Suspend();
        TimeSpan resumedAt;
        try
        {
            await Task.Delay(Deadline * 2.5);
        }
        finally
        {
            resumedAt = load.Now;
            azurite.Resume();
        }
        await Task.Delay(TimeSpan.FromSeconds(4));
        await stop.CancelAsync();
        await Task.WhenAll(loops);

        var answers = load.Answers.ToList();
        var during = answers.Where(a => a.Start >= suspendedAt + TimeSpan.FromMilliseconds(100) && a.End <= resumedAt).ToList();
        foreach (var kind in answers.Select(a => a.Kind).Distinct().Order(StringComparer.Ordinal))
        {
            var mine = answers.Where(a => a.Kind == kind).ToList();
            var stalled = during.Where(a => a.Kind == kind).ToList();
            output.WriteLine($"{kind}: {mine.Count} answers ({string.Join(", ", mine.GroupBy(a => (int)a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}"))}); " +
                $"during the stall {stalled.Count}, max {(stalled.Count == 0 ? 0 : stalled.Max(a => a.Elapsed.TotalMilliseconds)):0} ms; overall max {mine.Max(a => a.Elapsed.TotalMilliseconds):0} ms");
        }
        output.WriteLine($"stall {suspendedAt.TotalSeconds:0.0} s - {resumedAt.TotalSeconds:0.0} s; max answer time during it: {during.Select(a => a.Elapsed.TotalMilliseconds).DefaultIfEmpty().Max():0} ms; {load.ScrapesChecked} whole scrapes checked");

        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable, $"{a.Kind}: {(int)a.Status} {a.Body}"));
        Assert.All(answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable), a => Assert.True(a.RetryAfter, $"{a.Kind}: 503 without Retry-After"));
        Assert.All(answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable), a => Assert.True(a.Elapsed <= Deadline + Slack, $"{a.Kind}: 503 after {a.Elapsed.TotalMilliseconds:0} ms"));
        // A 200 may follow storage work done just inside the deadline with the rendering of the answer.
        Assert.All(answers, a => Assert.True(a.Elapsed <= Deadline * 3, $"{a.Kind}: {(int)a.Status} after {a.Elapsed.TotalMilliseconds:0} ms"));
        Assert.All(during, a => Assert.True(a.Status == HttpStatusCode.ServiceUnavailable, $"{a.Kind} during the stall: {(int)a.Status}"));
        foreach (var kind in new[] { "push s0", "push s1", "push big", "put/delete del", "scrape 1", "ready", "api metrics" })
        {
            Assert.Contains(during, a => a.Kind == kind);
        }
        Assert.Empty(load.Torn);
        Assert.True(load.ScrapesChecked > 0, "no scrape answered 200");

        // Storage is back: the same gateway accepts pushes and serves exactly what was last pushed.
        var final = new Dictionary<string, int>();
        foreach (var group in Enumerable.Range(0, SmallGroups).Select(w => $"s{w}").Append("big"))
        {
            var answer = await load.PushAsync(HttpMethod.Put, group);
            Assert.True(answer.Status == HttpStatusCode.OK, $"after the stall, PUT {group}: {(int)answer.Status} {answer.Body}");
            final[group] = answer.Version;
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/-/ready")).StatusCode);
        var groups = StallLoad.Groups(await client.GetStringAsync("/metrics"));
        foreach (var (group, version) in final)
        {
            Assert.True(load.IsWhole(group, groups[group], out var served), $"{group} not whole after the stall");
            Assert.Equal(version, served);
        }
        Assert.Empty(load.Torn);
    }

    private static async Task<int> ChunkRowsAsync(AzuriteServer azurite, GatewayServer gateway, string group)
    {
        var key = GroupingKey.Create([KeyValuePair.Create("job", "stall"), KeyValuePair.Create("w", group)]);
        var table = new TableClient(azurite.ConnectionString, gateway.TableName);
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.GroupPartition(key)} and RowKey ge {TableKeys.ChunkPrefix} and RowKey lt {"chunk}"}"), select: ["RowKey"]))
        {
            count++;
        }
        return count;
    }

    /// <summary>Load for the stall test: every request timed and recorded; every scrape checked for groups seen half-written.</summary>
    private sealed class StallLoad(HttpClient client, string[] bigLabels)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _version;

        public sealed record Answer(string Kind, HttpStatusCode Status, bool RetryAfter, TimeSpan Start, TimeSpan End, string Body, int Version)
        {
            public TimeSpan Elapsed => End - Start;
        }

        public ConcurrentQueue<Answer> Answers { get; } = new();

        /// <summary>Every version sent to each group, whatever the answer (a write that timed out may still land).</summary>
        public ConcurrentDictionary<string, ConcurrentDictionary<int, byte>> Sent { get; } = new();

        public ConcurrentQueue<string> Torn { get; } = new();

        public int ScrapesChecked => _scrapesChecked;

        private int _scrapesChecked;

        public TimeSpan Now => _clock.Elapsed;

        public async Task LoopAsync(string kind, Func<int, Task<Answer>> send, CancellationToken stop)
        {
            for (var i = 1; !stop.IsCancellationRequested; i++)
            {
                var answer = await send(i);
                Answers.Enqueue(answer with { Kind = kind });
            }
        }

        /// <summary>Every series of the group carries the version as its value, so a mix of two pushes shows.</summary>
        public string Body(string group, int version)
        {
            var text = new StringBuilder();
            if (group == "big")
            {
                text.Append("# TYPE stall_big gauge\n");
                foreach (var id in bigLabels)
                {
                    text.Append(CultureInfo.InvariantCulture, $"stall_big{{id=\"{id}\"}} {version}\n");
                }
                return text.ToString();
            }
            foreach (var family in new[] { "stall_a", "stall_b", "stall_c" })
            {
                text.Append(CultureInfo.InvariantCulture, $"# TYPE {family} gauge\n{family}{{i=\"1\"}} {version}\n{family}{{i=\"2\"}} {version}\n");
            }
            return text.ToString();
        }

        public Task<Answer> PushAsync(HttpMethod method, string group)
        {
            var version = Interlocked.Increment(ref _version);
            Sent.GetOrAdd(group, _ => new())[version] = 0;
            return SendAsync("push", new HttpRequestMessage(method, $"/metrics/job/stall/w/{group}") { Content = new StringContent(Body(group, version)) }, version);
        }

        public Task<Answer> DeleteAsync(string group) => SendAsync("delete", new HttpRequestMessage(HttpMethod.Delete, $"/metrics/job/stall/w/{group}"), 0);

        public Task<Answer> GetAsync(string path) => SendAsync("get", new HttpRequestMessage(HttpMethod.Get, path), 0);

        public async Task<Answer> ScrapeAsync()
        {
            var answer = await SendAsync("scrape", new HttpRequestMessage(HttpMethod.Get, "/metrics"), 0, keepBody: true);
            if (answer.Status == HttpStatusCode.OK)
            {
                foreach (var (group, series) in Groups(answer.Body))
                {
                    if (!IsWhole(group, series, out _))
                    {
                        Torn.Enqueue($"{group} at {answer.End.TotalSeconds:0.0} s: {series.Count} series, values {string.Join(",", series.Values.Distinct().Take(5))}");
                    }
                }
                Interlocked.Increment(ref _scrapesChecked);
            }
            return answer with { Body = string.Empty };
        }

        /// <summary>All the series of one push and nothing else, every value the same version, a version that was sent.</summary>
        public bool IsWhole(string group, Dictionary<string, string> series, out int version)
        {
            version = 0;
            var values = series.Values.Distinct().ToList();
            var expected = group == "big" ? BigSeries : 6;
            return values.Count == 1
                && series.Count == expected
                && int.TryParse(values[0], CultureInfo.InvariantCulture, out version)
                && Sent.TryGetValue(group, out var sent) && sent.ContainsKey(version);
        }

        /// <summary>Series of the pushed families per group (label w), series identity to value.</summary>
        public static Dictionary<string, Dictionary<string, string>> Groups(string exposition)
        {
            var groups = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
            foreach (var line in exposition.Split('\n'))
            {
                if (!line.StartsWith("stall_", StringComparison.Ordinal))
                {
                    continue;
                }
                var w = line.IndexOf("w=\"", StringComparison.Ordinal) + 3;
                var group = line[w..line.IndexOf('"', w)];
                var space = line.LastIndexOf(' ');
                (groups.TryGetValue(group, out var series) ? series : groups[group] = new(StringComparer.Ordinal))[line[..space]] = line[(space + 1)..];
            }
            return groups;
        }

        private async Task<Answer> SendAsync(string kind, HttpRequestMessage request, int version, bool keepBody = false)
        {
            var start = Now;
            try
            {
                using var response = await client.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                var status = response.StatusCode;
                return new Answer(kind, status, response.Headers.RetryAfter is not null, start, Now,
                    keepBody || status is not (HttpStatusCode.OK or HttpStatusCode.Accepted) ? body : string.Empty, version);
            }
            finally
            {
                request.Dispose();
            }
        }
    }
}
