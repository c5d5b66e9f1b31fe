using System.Net;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Http;

/// <summary>
/// What Prometheus's default scrape gets over real HTTP: text 0.0.4 by default, as from the
/// Pushgateway (a counter without <c>_total</c> stays a counter, <c>le</c> is written as pushed);
/// OpenMetrics only with <c>Gateway:Scrape:OpenMetrics=true</c>.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ScrapeFormatTests(AzuriteFixture fixture)
{
    private const string Prometheus242Accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    private const string Pushed =
        "# TYPE jobs_done counter\njobs_done 3\n"
        + "# TYPE d histogram\nd_bucket{le=\"5\"} 1\nd_bucket{le=\"+Inf\"} 2\nd_sum 7\nd_count 2\n";

    [Fact]
    public async Task By_default_Prometheus_gets_text_with_types_and_bounds_as_pushed()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        var (contentType, body) = await PushAndScrapeAsync(gateway);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", contentType);
        Assert.Contains("# TYPE jobs_done counter\njobs_done{instance=\"\",job=\"s\"} 3\n", body, StringComparison.Ordinal);
        Assert.Contains("d_bucket{instance=\"\",job=\"s\",le=\"5\"} 1\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("# EOF", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_setting_Prometheus_gets_OpenMetrics()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?>
        {
            ["Gateway:Scrape:OpenMetrics"] = "true",
        });
        var (contentType, body) = await PushAndScrapeAsync(gateway);
        Assert.Equal("application/openmetrics-text; version=1.0.0; charset=utf-8", contentType);
        // As expfmt: the counter keeps its type and gains the _total OpenMetrics requires.
        Assert.Contains("# TYPE jobs_done counter\njobs_done_total{instance=\"\",job=\"s\"} 3.0\n", body, StringComparison.Ordinal);
        Assert.Contains("le=\"5.0\"", body, StringComparison.Ordinal);
        Assert.EndsWith("# EOF\n", body, StringComparison.Ordinal);
    }

    /// <summary>
    /// With no groups there is nothing to compress; the answer must still be a gzip stream (an empty
    /// body declared gzip fails Prometheus's scrape, which text scrapes of an empty gateway now hit).
    /// </summary>
    [Fact]
    public async Task An_empty_gateway_answers_a_valid_gzip_stream()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.TryAddWithoutValidation("Accept", Prometheus242Accept);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip");
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(bytes.Length >= 18 && bytes[0] == 0x1F && bytes[1] == 0x8B, $"not a gzip stream: {bytes.Length} bytes");
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress);
        using var decoded = new MemoryStream();
        await gzip.CopyToAsync(decoded);
        Assert.Equal(0, decoded.Length);
    }

    private static async Task<(string? ContentType, string Body)> PushAndScrapeAsync(GatewayServer gateway)
    {
        var pushed = await gateway.Client.PutAsync("/metrics/job/s", new StringContent(Pushed));
        Assert.Equal(HttpStatusCode.OK, pushed.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.TryAddWithoutValidation("Accept", Prometheus242Accept);
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync());
    }
}
