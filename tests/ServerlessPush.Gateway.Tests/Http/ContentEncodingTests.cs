using System.Diagnostics;
using System.Net;
using System.Text;
using ServerlessPush.Gateway.Tests.Infrastructure;
using ServerlessPush.Testing;
using Snappier;

namespace ServerlessPush.Gateway.Tests.Http;

/// <summary>
/// Request <c>Content-Encoding</c> over real HTTP against Azurite: snappy (framed and block) is
/// decoded as Pushgateway 1.6+ does, within the same limits as gzip; none or <c>identity</c> is read
/// as sent; anything else, or a body that does not decode, is a 400 and nothing is stored.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class ContentEncodingTests(AzuriteFixture fixture) : IAsyncLifetime
{
    private const string Body = "# TYPE jobs_done counter\njobs_done{a=\"1\"} 42\n";

    private GatewayServer _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?>
    {
        ["Gateway:MaxDecompressedBytes"] = (4 * 1024 * 1024).ToString(),
    });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData("snappy", true)]
    [InlineData("snappy", false)]
    [InlineData("SNAPPY", true)]
    public async Task A_snappy_body_is_decoded(string encoding, bool framed)
    {
        var bytes = Encoding.UTF8.GetBytes(Body);
        var response = await PutAsync(framed ? SnappyBodyTests.Framed(bytes) : Snappy.CompressToArray(bytes), encoding);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("jobs_done{a=\"1\",instance=\"\",job=\"enc\"} 42\n", await _gateway.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("identity")]
    [InlineData("Identity")]
    public async Task No_encoding_or_identity_is_read_as_sent(string? encoding)
    {
        var response = await PutAsync(Encoding.UTF8.GetBytes(Body), encoding);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("jobs_done{a=\"1\",instance=\"\",job=\"enc\"} 42\n", await _gateway.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("snappy", "snappy: corrupt input")] // a plain body with the header: not read raw
    [InlineData("deflate", "unsupported Content-Encoding \"deflate\"")]
    [InlineData("br", "unsupported Content-Encoding \"br\"")]
    [InlineData("zstd", "unsupported Content-Encoding \"zstd\"")]
    [InlineData("gzip, snappy", "unsupported Content-Encoding \"gzip, snappy\"")]
    public async Task An_unknown_or_undecodable_encoding_is_refused_with_the_reason(string encoding, string reason)
    {
        var response = await PutAsync(Encoding.UTF8.GetBytes(Body), encoding);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("job=\"enc\"", await _gateway.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_snappy_bomb_is_cut_off_with_bounded_memory(bool framed)
    {
        // 128 MiB of zeros: framed about 6 MiB (each 64 KiB chunk shrinks ~21×), a block about 6 MiB too.
        var zeros = new byte[128 * 1024 * 1024];
        var bomb = framed ? SnappyBodyTests.Framed(zeros) : Snappy.CompressToArray(zeros);
        Assert.InRange(bomb.Length, 1, 8 * 1024 * 1024);

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();
        var response = await PutAsync(bomb, "snappy");
        stopwatch.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("decompressed request body larger than 4194304 bytes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
        // The limit is 4 MiB: the request's allocations (the body as sent included) stay far below the 128 MiB.
        Assert.True(allocated < 48L * 1024 * 1024, $"allocated {allocated / 1024 / 1024} MiB");
        Assert.DoesNotContain("job=\"enc\"", await _gateway.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> PutAsync(byte[] body, string? encoding)
    {
        var content = new ByteArrayContent(body);
        if (encoding is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Encoding", encoding);
        }
        return await _gateway.Client.PutAsync("/metrics/job/enc", content);
    }
}
