using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using ServerlessPush.Gateway.Tests.Infrastructure;
using ServerlessPush.Testing;
using Xunit.Abstractions;

namespace ServerlessPush.Gateway.Tests.Storage;

/// <summary>
/// Two instances over one Azurite whose clock is off from theirs (and, in the last case, instances
/// off from each other): a write acknowledged on one instance before a scrape on the other began is
/// in that scrape, whatever the clocks (issue 12, item 3). Each case runs its own Azurite.
/// </summary>
public sealed partial class ClockSkewTests(ITestOutputHelper output)
{
    private const int SequentialRounds = 20;
    private const int WritersPerInstance = 2;
    private const int GroupsPerWriter = 5;
    private const int ScrapesPerInstance = 100;

    /// <summary>Seconds: storage clock, instance A's clock, instance B's clock, each against the machine's.</summary>
    public static TheoryData<int, int, int> Skews => new()
    {
        { -30, 0, 0 },
        { 30, 0, 0 },
        { 0, 30, -30 },
    };

    [Theory]
    [MemberData(nameof(Skews))]
    public async Task A_write_acknowledged_on_one_instance_is_in_every_later_scrape_on_the_other(int storageSkew, int aSkew, int bSkew)
    {
        await using var azurite = await AzuriteServer.StartAsync(clockOffset: TimeSpan.FromSeconds(storageSkew));
        await using var a = await StartAsync(azurite, aSkew, tableName: null);
        await using var b = await StartAsync(azurite, bSkew, a.TableName);

        // The issue's sequence: both instances first scrape an empty store, then each reads what the other wrote.
        Assert.DoesNotContain("skew_value", await a.Client.GetStringAsync("/metrics"));
        Assert.DoesNotContain("skew_value", await b.Client.GetStringAsync("/metrics"));
        for (var round = 1; round <= SequentialRounds; round++)
        {
            var (writer, reader) = round % 2 == 1 ? (a, b) : (b, a);
            var put = await writer.Client.PutAsync($"/metrics/job/skew/instance/r{round}", new StringContent($"skew_value {round}\n"));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.Contains($"skew_value{{instance=\"r{round}\",job=\"skew\"}} {round}\n", await reader.Client.GetStringAsync("/metrics"));
        }

        var result = await RaceAsync(a, b);
        output.WriteLine(
            $"storage {storageSkew:+0;-0;0} s, A {aSkew:+0;-0;0} s, B {bSkew:+0;-0;0} s: {SequentialRounds} sequential rounds; " +
            $"race: {result.Writes} acknowledged PUTs by {2 * WritersPerInstance} writers on {2 * WritersPerInstance * GroupsPerWriter} groups, " +
            $"{result.Scrapes} scrapes ({ScrapesPerInstance} per instance), {result.Checks} (group, acknowledged value) checks, {result.Violations.Count} violations, {result.WriteFailures} failed writes, {result.Elapsed.TotalSeconds:F1} s");
        Assert.True(result.Violations.Count == 0, string.Join("\n", result.Violations.Take(20)));
        Assert.Equal(0, result.WriteFailures);
        Assert.True(result.Checks > result.Scrapes, "the race checked too little");
    }

    private sealed record RaceResult(int Writes, int WriteFailures, int Scrapes, long Checks, List<string> Violations, TimeSpan Elapsed);

    /// <summary>
    /// Writers on both instances PUT increasing values, one writer per group; scrapers on both
    /// instances note what was acknowledged before each scrape is sent and check the scrape holds
    /// at least that. One process, so the order "acknowledged, then scrape sent" is a fact, not a clock reading.
    /// </summary>
    private static async Task<RaceResult> RaceAsync(GatewayServer a, GatewayServer b)
    {
        var acknowledged = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var violations = new ConcurrentQueue<string>();
        var writes = 0;
        var writeFailures = 0;
        var scrapes = 0;
        long checks = 0;
        using var stop = new CancellationTokenSource();
        var stopwatch = Stopwatch.StartNew();

        var writers = new[] { a, b }.SelectMany((gateway, g) => Enumerable.Range(0, WritersPerInstance).Select(w => Task.Run(async () =>
        {
            for (var value = 1; !stop.IsCancellationRequested; value++)
            {
                var group = $"{(g == 0 ? "a" : "b")}{w}g{value % GroupsPerWriter}";
                var response = await gateway.Client.PutAsync($"/metrics/job/skewrace/instance/{group}", new StringContent($"race_value {value}\n"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    acknowledged[group] = value;
                    Interlocked.Increment(ref writes);
                }
                else
                {
                    Interlocked.Increment(ref writeFailures);
                }
            }
        }))).ToList();

        var scrapers = new[] { a, b }.Select((gateway, g) => Task.Run(async () =>
        {
            for (var i = 0; i < ScrapesPerInstance; i++)
            {
                var before = acknowledged.ToArray();
                var served = Values(await gateway.Client.GetStringAsync("/metrics"));
                Interlocked.Increment(ref scrapes);
                foreach (var (group, value) in before)
                {
                    Interlocked.Increment(ref checks);
                    if (!served.TryGetValue(group, out var seen) || seen < value)
                    {
                        violations.Enqueue($"scrape {i} on {(g == 0 ? "A" : "B")}: {group} acknowledged {value}, served {(served.ContainsKey(group) ? seen.ToString(System.Globalization.CultureInfo.InvariantCulture) : "nothing")}");
                    }
                }
            }
        })).ToList();

        await Task.WhenAll(scrapers);
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        return new RaceResult(writes, writeFailures, scrapes, checks, [.. violations], stopwatch.Elapsed);
    }

    private static Dictionary<string, int> Values(string exposition) =>
        RaceValue().Matches(exposition).ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);

    [GeneratedRegex("^race_value\\{instance=\"([^\"]+)\",job=\"skewrace\"\\} (\\d+)$", RegexOptions.Multiline)]
    private static partial Regex RaceValue();

    private static Task<GatewayServer> StartAsync(AzuriteServer azurite, int skewSeconds, string? tableName) =>
        GatewayServer.StartAsync(
            azurite,
            configure: builder => builder.Services.AddSingleton<TimeProvider>(new ShiftedTimeProvider(TimeSpan.FromSeconds(skewSeconds))),
            tableName: tableName);
}
