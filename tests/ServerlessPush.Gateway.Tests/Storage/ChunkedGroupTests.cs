using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using ServerlessPush.Testing;
using Xunit.Abstractions;

namespace ServerlessPush.Gateway.Tests.Storage;

/// <summary>
/// Groups too large for one entity (over 512 KiB compressed: random label values do not compress)
/// are written as chunk rows, then the head flips to them. PUTs and POSTs from two instances race on
/// one such group while both instances scrape: no scrape shows half a group or a mix of two writes,
/// and the end state is one of the acknowledged writes, the same on both instances.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class ChunkedGroupTests(AzuriteFixture fixture, ITestOutputHelper output)
{
    private const int WritesPerWriter = 4;
    private const int BaseSeries = 20_000;
    private const string GroupPath = "/metrics/job/chunky";

    [Fact]
    public async Task Racing_large_PUTs_and_POSTs_on_two_instances_are_never_served_half_written()
    {
        // Each write is ~20,000 series in several chunk rows, racing three others: on a loaded 2-core
        // machine that is more than the default 5 s deadline and wait for the group, which this test is
        // not about.
        var slowWrites = new Dictionary<string, string?>
        {
            ["Gateway:RequestDeadline"] = "00:01:00",
            ["Gateway:Tables:ContendedWriteBudget"] = "00:01:00",
        };
        await using var a = await GatewayServer.StartAsync(fixture.Azurite, slowWrites);
        await using var b = await GatewayServer.StartAsync(fixture.Azurite, slowWrites, tableName: a.TableName);
        var started = new ConcurrentDictionary<int, byte>();
        var acknowledged = new ConcurrentDictionary<int, byte>();
        var failures = new ConcurrentQueue<string>();
        var violations = new ConcurrentQueue<string>();
        var scrapes = 0;
        var stopwatch = Stopwatch.StartNew();

        // Writer w: instance A or B, PUT or POST; write ids are unique, every series carries its write's id.
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var gateway = w < 2 ? a : b;
            var method = w % 2 == 0 ? HttpMethod.Put : HttpMethod.Post;
            for (var n = 1; n <= WritesPerWriter; n++)
            {
                var id = (w + 1) * 100 + n;
                started[id] = 0;
                var response = await gateway.Client.SendAsync(new HttpRequestMessage(method, GroupPath) { Content = new StringContent(Body(id), Encoding.UTF8, "text/plain") });
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    acknowledged[id] = 0;
                }
                else
                {
                    failures.Enqueue($"{method} {id} on {(w < 2 ? "A" : "B")}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        })).ToList();
        var writing = Task.WhenAll(writers);

        var scrapers = new[] { a, b }.Select((gateway, g) => Task.Run(async () =>
        {
            while (!writing.IsCompleted)
            {
                var problem = Check(await gateway.Client.GetStringAsync("/metrics"), started, out _);
                Interlocked.Increment(ref scrapes);
                if (problem is not null)
                {
                    violations.Enqueue($"scrape on {(g == 0 ? "A" : "B")}: {problem}");
                }
            }
        })).ToList();
        await writing;
        await Task.WhenAll(scrapers);

        var finals = new List<int>();
        foreach (var gateway in new[] { a, b })
        {
            var problem = Check(await gateway.Client.GetStringAsync("/metrics"), started, out var final);
            Assert.Null(problem);
            finals.Add(final ?? -1);
        }
        output.WriteLine($"{started.Count} writes (PUT and POST, 2 instances), {acknowledged.Count} acknowledged, {scrapes} scrapes during the race, {violations.Count} violations, {stopwatch.Elapsed.TotalSeconds:F1} s; final write {finals[0]}");
        Assert.True(violations.IsEmpty, string.Join("\n", violations.Take(10)));
        Assert.True(failures.IsEmpty, string.Join("\n", failures));
        Assert.Contains(finals[0], acknowledged.Keys);
        Assert.Equal(finals[0], finals[1]);

        // The group really is stored as chunk rows (else this test would test nothing).
        var table = new TableClient(fixture.Azurite.ConnectionString, a.TableName);
        var heads = new List<TableEntity>();
        await foreach (var head in table.QueryAsync<TableEntity>(filter: "RowKey eq 'head'", select: ["Chunks", "Labels"]))
        {
            heads.Add(head);
        }
        var chunks = Assert.Single(heads, h => h.GetString("Labels")?.Contains("\"chunky\"", StringComparison.Ordinal) == true).GetInt32("Chunks");
        output.WriteLine($"stored as {chunks} chunk rows");
        Assert.True(chunks >= 2, $"the group was stored in {chunks} chunk rows");
    }

    /// <summary>Null if the scrape shows the group whole (or not at all), else what is wrong.</summary>
    private static string? Check(string exposition, ConcurrentDictionary<int, byte> started, out int? write)
    {
        write = null;
        var values = new HashSet<int>();
        var series = 0;
        int? count = null;
        foreach (var line in exposition.Split('\n'))
        {
            if (SeriesLine().Match(line) is { Success: true } s)
            {
                values.Add(int.Parse(s.Groups[1].Value, CultureInfo.InvariantCulture));
                series++;
            }
            else if (line.StartsWith("chunky_write{", StringComparison.Ordinal))
            {
                write = int.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("chunky_count{", StringComparison.Ordinal))
            {
                count = int.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }
        if (write is null && series == 0 && count is null)
        {
            return null;
        }
        if (write is not { } id || !started.ContainsKey(id))
        {
            return $"write id {write?.ToString(CultureInfo.InvariantCulture) ?? "missing"} is not a write that was sent";
        }
        if (values.Count != 1 || !values.Contains(id))
        {
            return $"write {id}: series carry the ids {string.Join(",", values.Take(5))}";
        }
        if (count != Series(id) || series != Series(id))
        {
            return $"write {id}: {series} series served, {count} announced, {Series(id)} written";
        }
        return null;
    }

    private static int Series(int id) => BaseSeries + (id % 3) * 1000;

    /// <summary>Random 40-character label values (30 random bytes each): zlib cannot shrink them below 512 KiB.</summary>
    private static string Body(int id)
    {
        var body = new StringBuilder(Series(id) * 70);
        body.Append("# TYPE chunky_series gauge\n");
        Span<byte> random = stackalloc byte[30];
        for (var i = 0; i < Series(id); i++)
        {
            Random.Shared.NextBytes(random);
            body.Append("chunky_series{k=\"").Append(Convert.ToBase64String(random).Replace('+', '-').Replace('/', '_')).Append("\"} ").Append(id).Append('\n');
        }
        body.Append("# TYPE chunky_write gauge\nchunky_write ").Append(id).Append('\n');
        body.Append("# TYPE chunky_count gauge\nchunky_count ").Append(Series(id)).Append('\n');
        return body.ToString();
    }

    [GeneratedRegex("^chunky_series\\{instance=\"\",job=\"chunky\",k=\"[^\"]+\"\\} (\\d+)$")]
    private static partial Regex SeriesLine();
}
