using System.Net.Http.Headers;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Testing;

namespace ServerlessPush.Clients.Tests;

/// <summary>
/// A real Prometheus 2.42 (native histograms off, so it scrapes text) stores the classic buckets
/// that <c>Gateway:Scrape:NativeHistogramsAsClassic</c> makes from a native histogram, and
/// <c>histogram_quantile</c> works on them.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PrometheusClassicBucketsTests(AzuriteFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Prometheus_2_42_stores_classic_buckets_of_a_native_histogram()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?> { ["Gateway:Scrape:NativeHistogramsAsClassic"] = "true" });
        // Schema 0: 1 observation in the zero bucket [-0.001, 0.001], 2 in (2, 4], 1 in (4, 8].
        var histogram = new Histogram
        {
            SampleCount = 4,
            SampleSum = 14,
            Schema = 0,
            ZeroThreshold = 0.001,
            ZeroCount = 1,
            PositiveSpan = { new BucketSpan { Offset = 2, Length = 2 } },
            PositiveDelta = { 2, -1 },
        };
        var family = new MetricFamily { Name = "job_latency_seconds", Type = MetricType.Histogram, Metric = { new Metric { Histogram = histogram } } };
        using (var content = new ByteArrayContent(ProtobufDelimited.WriteToArray([family])))
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(ProtobufDelimited.ContentType);
            using var response = await gateway.Client.PutAsync("/metrics/job/batch", content);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        await using var prometheus = await PrometheusServer.StartAsync(new Uri(gateway.BaseAddress, "metrics"));
        await prometheus.WaitForTargetUpAsync(Timeout);
        var buckets = await prometheus.WaitForQueryAsync("job_latency_seconds_bucket{job=\"batch\"}", r => r.Count == 4, Timeout);
        Assert.Equal(
            ["+Inf=4", "0.001=1", "4=3", "8=4"],
            buckets.Select(b => $"{b["le"]}={b.Value}").Order(StringComparer.Ordinal));
        // The median (rank 2 of 4) lies in the classic bucket (0.001, 4], which holds ranks 2 and 3:
        // Prometheus interpolates 0.001 + (4 - 0.001) * 1/2.
        var median = Assert.Single(await prometheus.QueryAsync("histogram_quantile(0.5, job_latency_seconds_bucket{job=\"batch\"})"));
        Assert.Equal(2.0005, median.Value, 6);
    }
}
