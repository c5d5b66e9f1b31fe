using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Storage.Tables;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Faults;

/// <summary>
/// A first load of the scrape view (a read of every group) can take longer than one request's
/// deadline on a large store. The load must go on after that request's 503, so that a later scrape
/// is served; cancelled with each request, every scrape would start it over and none would finish.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SlowFirstLoadTests(AzuriteFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    /// <summary>Delays every read of the whole group range (not the head scans, not the writes) past the deadline.</summary>
    private sealed class SlowWholeRangeReads(TimeSpan delay) : HttpPipelinePolicy
    {
        public int Delayed;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The gateway's storage calls are asynchronous.");

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var uri = Uri.UnescapeDataString(message.Request.Uri.ToString());
            if (message.Request.Method == RequestMethod.Get && uri.Contains("PartitionKey ge 'g", StringComparison.Ordinal)
                && !uri.Contains("RowKey eq 'head'", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref Delayed);
                // Not the request's token: storage is slow, not the caller.
                await Task.Delay(delay).ConfigureAwait(false);
            }
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
    }

    [Fact]
    public async Task A_first_load_slower_than_the_deadline_completes_after_the_503_and_later_scrapes_are_served()
    {
        var noSweep = new Dictionary<string, string?> { [ExpiryOptions.ScheduleSetting] = "0 0 0 1 1 *" };
        var settings = new Dictionary<string, string?>(noSweep) { ["Gateway:RequestDeadline"] = Deadline.ToString() };
        await using var writer = await GatewayServer.StartAsync(fixture.Azurite, noSweep);
        for (var i = 0; i < 3; i++)
        {
            using var put = await writer.Client.PutAsync($"/metrics/job/slow/instance/i{i}", new StringContent($"slow_value {i}\n"));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var slow = new SlowWholeRangeReads(Deadline * 2);
        await using var reader = await GatewayServer.StartAsync(fixture.Azurite, settings, builder =>
            builder.Services.AddSingleton(sp => TableClientFactory.Create(
                sp.GetRequiredService<IOptions<TableStorageOptions>>().Value,
                sp.GetRequiredService<StorageRequestCounter>(),
                slow)), tableName: writer.TableName);

        using (var first = await reader.Client.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
            Assert.NotNull(first.Headers.RetryAfter);
        }
        // The load it started finishes on its own (twice the deadline), then scrapes need only the head scan.
        await Task.Delay(Deadline * 3);
        using var later = await reader.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        var body = await later.Content.ReadAsStringAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Contains($"slow_value{{instance=\"i{i}\",job=\"slow\"}} {i}", body, StringComparison.Ordinal);
        }
        Assert.Equal(1, slow.Delayed);
    }
}
