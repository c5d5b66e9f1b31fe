using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Storage;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Expiry;

/// <summary>
/// An instance skips the expiry entry's upsert when it wrote the entry for the same bucket under the
/// same permit. A write without an expiry in between lets the sweep delete that entry, so the
/// instance must not trust its memory of it afterwards (review finding: the group was never swept).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ExpiryEntryCacheTests(AzuriteFixture fixture)
{
    [Fact]
    public async Task A_group_that_lost_its_ttl_and_got_one_again_in_the_same_bucket_is_swept()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        await using var gateway = await GatewayServer.StartAsync(
            fixture.Azurite,
            new Dictionary<string, string?> { ["Gateway:Expiry:Schedule"] = "0 0 0 1 1 *" },   // no default TTL; the test sweeps
            builder => builder.Services.AddSingleton<TimeProvider>(time));
        var sweeper = gateway.Services.GetRequiredService<ExpirySweeper>();
        async Task PutAsync(string? ttl)
        {
            var request = new HttpRequestMessage(HttpMethod.Put, "/metrics/job/lapsed") { Content = new StringContent("m 1\n", Encoding.UTF8, "text/plain") };
            if (ttl is not null)
            {
                request.Headers.Add(PushTtl.HeaderName, ttl);
            }
            Assert.Equal(HttpStatusCode.OK, (await gateway.Client.SendAsync(request)).StatusCode);
        }

        await PutAsync("15s");           // entry in the 12:00 bucket
        await PutAsync(null);            // no expiry any more
        time.Advance(TimeSpan.FromSeconds(20));
        await sweeper.SweepAsync();      // the entry is due and its group does not expire: the entry goes
        Assert.Contains("lapsed", await JobsAsync(gateway));

        await PutAsync("15s");           // expires in the same bucket again: the entry must be written again
        time.Advance(TimeSpan.FromSeconds(20));
        var result = await sweeper.SweepAsync();
        Assert.True(result.Deleted == 1, $"the sweep deleted {result.Deleted} groups of {result.Candidates} due entries");
        Assert.DoesNotContain("lapsed", await JobsAsync(gateway));
    }

    private static async Task<HashSet<string>> JobsAsync(GatewayServer gateway)
    {
        var jobs = new HashSet<string>();
        await foreach (var key in gateway.Services.GetRequiredService<IGroupStore>().ListKeysAsync())
        {
            jobs.Add(key.Job);
        }
        return jobs;
    }
}
