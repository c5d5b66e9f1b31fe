using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Options;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Faults;

/// <summary>The request deadline's settings and what it does not cut short.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RequestDeadlineTests(AzuriteFixture fixture)
{
    [Theory]
    [InlineData("Gateway:RequestDeadline", "00:00:00")]
    [InlineData("Gateway:BulkRequestDeadline", "-00:00:01")]
    [InlineData("Gateway:MaxStorageCallsPerRequest", "0")]
    [InlineData("Gateway:Tables:MaxConcurrentRequests", "0")]
    [InlineData("Gateway:Tables:Retry:MaxRetries", "-1")]
    [InlineData("Gateway:Tables:Retry:NetworkTimeout", "00:00:00")]
    [InlineData("Gateway:Tables:Retry:Delay", "00:00:05")]
    public async Task A_setting_that_cannot_work_stops_the_start(string setting, string value)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?> { [setting] = value });
        });
        Assert.Contains(setting, failure.Message, StringComparison.Ordinal);
    }

    /// <summary>The deadline bounds storage work: a push whose body arrives slowly is stored all the same.</summary>
    [Fact]
    public async Task A_slow_upload_does_not_count_against_the_deadline()
    {
        // The upload takes twice the deadline; the storage work keeps the whole deadline, enough on a loaded machine.
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?> { ["Gateway:RequestDeadline"] = "00:00:02" });
        var stopwatch = Stopwatch.StartNew();
        var response = await gateway.Client.PutAsync("/metrics/job/slow", new TrickleContent(["slow_a 1\n", "slow_b 2\n", "slow_c 3\n"], TimeSpan.FromMilliseconds(1500)));
        stopwatch.Stop();
        Assert.True(stopwatch.Elapsed > TimeSpan.FromSeconds(4), $"upload took only {stopwatch.Elapsed}");
        Assert.True(HttpStatusCode.OK == response.StatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Contains("slow_c{instance=\"\",job=\"slow\"} 3", await gateway.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    /// <summary>Kestrel's own refusal of a broken body (an IOException) is not mistaken for a storage fault.</summary>
    [Fact]
    public async Task A_malformed_chunked_body_is_still_a_400()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, gateway.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
            "PUT /metrics/job/broken HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nm 1\n\r\n0\r\n\r\n"));
        using var reader = new StreamReader(stream);
        var statusLine = await reader.ReadLineAsync();
        Assert.StartsWith("HTTP/1.1 400", statusLine, StringComparison.Ordinal);
    }

    /// <summary>A chunked body sent a piece at a time, with a pause before each.</summary>
    private sealed class TrickleContent(string[] pieces, TimeSpan pause) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            foreach (var piece in pieces)
            {
                await Task.Delay(pause);
                await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(piece));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
