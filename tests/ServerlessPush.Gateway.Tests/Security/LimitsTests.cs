using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Gateway.Tests.Infrastructure;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Security;

/// <summary>
/// Each limit over real HTTP against Azurite: a clear 4xx, and nothing stored (not even the failure
/// time of an existing group).
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class LimitsTests(AzuriteFixture fixture)
{
    private static readonly Dictionary<string, string?> Small = new()
    {
        ["Gateway:MaxBodyBytes"] = "65536",
        ["Gateway:MaxDecompressedBytes"] = "262144",
        ["Gateway:Limits:MaxSeriesPerPush"] = "10",
        ["Gateway:Limits:MaxLabelsPerSeries"] = "4",
        ["Gateway:Limits:MaxLabelNameLength"] = "20",
        ["Gateway:Limits:MaxLabelValueLength"] = "30",
        ["Gateway:Limits:MaxMetricNameLength"] = "25",
        ["Gateway:Limits:MaxGroupingLabels"] = "3",
    };

    private static string Series(int n) => string.Concat(Enumerable.Range(0, n).Select(i => $"m{{i=\"{i}\"}} 1\n"));

    public static TheoryData<string, string, int> OverLimit => new()
    {
        // name, body, expected status; all pushed to /metrics/job/j
        { "series", Series(11), 413 },
        { "families", string.Concat(Enumerable.Range(0, 11).Select(i => $"f{i} 1\n")), 413 },
        { "labels per series", "m{a=\"1\",b=\"2\",c=\"3\",d=\"4\",e=\"5\"} 1\n", 400 },
        { "label name", $"m{{{new string('l', 21)}=\"v\"}} 1\n", 400 },
        { "label value", $"m{{l=\"{new string('v', 31)}\"}} 1\n", 400 },
        { "metric name", $"{new string('n', 26)} 1\n", 400 },
        { "body size", $"# HELP m {new string('h', 70_000)}\nm 1\n", 413 },
    };

    [Theory]
    [MemberData(nameof(OverLimit))]
    public async Task A_push_over_a_limit_is_refused_and_nothing_is_stored(string limit, string body, int status)
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, Small);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.PutAsync("/metrics/job/j", new StringContent("kept 1\n"))).StatusCode);

        foreach (var method in new[] { HttpMethod.Put, HttpMethod.Post })
        {
            var response = await gateway.Client.SendAsync(new HttpRequestMessage(method, "/metrics/job/j") { Content = new StringContent(body) });
            Assert.True(status == (int)response.StatusCode, $"{limit} ({method}): {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var message = await response.Content.ReadAsStringAsync();
            Assert.True(message.Contains("limit", StringComparison.Ordinal) || message.Contains("larger than", StringComparison.Ordinal), message);
        }
        await AssertUntouchedAsync(gateway);
    }

    [Fact]
    public async Task Protobuf_over_the_series_limit_is_413()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, Small);
        var family = new MetricFamily { Name = "p", Type = MetricType.Gauge };
        for (var i = 0; i < 11; i++)
        {
            family.Metric.Add(new Metric { Gauge = new Gauge { Value = i }, Label = { new LabelPair { Name = "i", Value = i.ToString() } } });
        }
        var content = new ByteArrayContent(ProtobufDelimited.WriteToArray([family]));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(ProtobufDelimited.ContentType);
        var response = await gateway.Client.PutAsync("/metrics/job/j", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("a\0b")]
    [InlineData("a b")]
    [InlineData("a{b=\"c\"}")]
    [InlineData("")]
    public async Task A_protobuf_family_with_an_invalid_name_is_400_and_not_stored(string name)
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, Small);
        var family = new MetricFamily { Name = name, Type = MetricType.Gauge, Metric = { new Metric { Gauge = new Gauge { Value = 1 } } } };
        var content = new ByteArrayContent(ProtobufDelimited.WriteToArray([family]));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(ProtobufDelimited.ContentType);
        var response = await gateway.Client.PutAsync("/metrics/job/j", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("job=\"j\"", await gateway.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/metrics/job/j/a/1/b/2/c/3", "grouping key has 4 labels")]
    [InlineData("/metrics/job/j/aaaaaaaaaaaaaaaaaaaaa/1", "label name")]
    [InlineData("/metrics/job/j/a/1234567890123456789012345678901", "value of label")]
    public async Task A_grouping_key_over_a_limit_is_400(string path, string reason)
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, Small);
        var response = await gateway.Client.PutAsync(path, new StringContent("m 1\n"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var scraped = await gateway.Client.GetStringAsync("/metrics");
        Assert.DoesNotContain("job=\"j\"", scraped, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exactly_at_the_limits_is_accepted()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, Small);
        var response = await gateway.Client.PutAsync("/metrics/job/j/a/1/b/" + new string('v', 30), new StringContent(
            Series(9) + $"{new string('n', 25)}{{{new string('l', 20)}=\"{new string('v', 30)}\",b=\"2\",c=\"3\",d=\"4\"}} 1\n"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_gzip_bomb_is_cut_off_early_with_bounded_memory()
    {
        // 1 GiB of zeros, deflated to about 1 MiB.
        var bomb = GzipZeros(1L << 30);
        Assert.InRange(bomb.Length, 1, 2 * 1024 * 1024);
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?>
        {
            ["Gateway:MaxDecompressedBytes"] = (8 * 1024 * 1024).ToString(),
        });
        var content = new ByteArrayContent(bomb);
        content.Headers.ContentEncoding.Add("gzip");

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();
        var response = await gateway.Client.PutAsync("/metrics/job/bomb", content);
        stopwatch.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("decompressed", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        // The limit is 8 MiB; everything the request allocated in this process stays far below the 1 GiB.
        Assert.True(allocated < 64L * 1024 * 1024, $"allocated {allocated / 1024 / 1024} MiB");
        Assert.DoesNotContain("job=\"bomb\"", await gateway.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    private static byte[] GzipZeros(long length)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (long written = 0; written < length; written += zeros.Length)
            {
                gzip.Write(zeros);
            }
        }
        return output.ToArray();
    }

    private static async Task AssertUntouchedAsync(GatewayServer gateway)
    {
        var scraped = await gateway.Client.GetStringAsync("/metrics");
        Assert.Contains("kept{", scraped, StringComparison.Ordinal);
        Assert.DoesNotContain("m{", scraped, StringComparison.Ordinal);
        // No failure time recorded: the refused push never reached the store.
        Assert.Contains("push_failure_time_seconds{instance=\"\",job=\"j\"} 0", scraped, StringComparison.Ordinal);
    }
}
