using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Storage;
using ServerlessPush.Storage.Tables;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Expiry;

/// <summary>
/// Pushes on instance A racing the sweep on instance B, one clock for both (injected): a storage
/// request of one instance is stopped at a chosen point while the other acts, then goes on.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SweepRaceTests(AzuriteFixture fixture) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly StorageGate _gateA = new();
    private readonly StorageGate _gateB = new();
    private GatewayServer _a = null!;
    private GatewayServer _b = null!;

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Gateway:Expiry:Schedule"] = "0 0 0 1 1 *",
    };

    public async Task InitializeAsync()
    {
        _a = await GatewayServer.StartAsync(fixture.Azurite, Settings, builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(_time);
            _gateA.InstallOn(builder);
        });
        _b = await GatewayServer.StartAsync(fixture.Azurite, Settings, builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(_time);
            _gateB.InstallOn(builder);
        }, _a.TableName);
    }

    public async Task DisposeAsync()
    {
        _gateA.Release();
        _gateB.Release();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static HttpRequestMessage Push(HttpMethod method, string path, string body, string? ttl = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
        if (ttl is not null)
        {
            request.Headers.Add(PushTtl.HeaderName, ttl);
        }
        return request;
    }

    [Fact]
    public async Task A_post_whose_group_the_sweep_deletes_under_it_creates_the_group_anew()
    {
        Assert.Equal(HttpStatusCode.OK, (await _a.Client.SendAsync(Push(HttpMethod.Put, "/metrics/job/sr", "m 1\n", "1m"))).StatusCode);
        _time.Advance(TimeSpan.FromMinutes(2));

        // A reads the expired group and is stopped before its conditional write; B's sweep deletes the group.
        _gateA.Arm(StorageGate.HeadWrite(TableKeys.GroupPartition(GroupingKey.ForJob("sr"))));
        var post = _a.Client.SendAsync(Push(HttpMethod.Post, "/metrics/job/sr", "n 2\n"));
        await _gateA.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        var swept = await _b.Services.GetRequiredService<ExpirySweeper>().SweepAsync();
        Assert.Equal(1, swept.Deleted);
        _gateA.Release();

        var response = await post;
        Assert.True(HttpStatusCode.OK == response.StatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var group = await _b.Services.GetRequiredService<IGroupStore>().GetAsync(GroupingKey.ForJob("sr"));
        Assert.Equal(["n"], group!.Families.Select(f => f.Name));
        Assert.Contains("n{instance=\"\",job=\"sr\"} 2\n", await _b.Client.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task A_renewal_landing_while_the_sweep_deletes_keeps_the_group_in_the_expiry_index()
    {
        var sweeper = _b.Services.GetRequiredService<ExpirySweeper>();
        Assert.Equal(HttpStatusCode.OK, (await _a.Client.SendAsync(Push(HttpMethod.Put, "/metrics/job/rn", "m 1\n", "1m"))).StatusCode);
        _time.Advance(TimeSpan.FromMinutes(2));

        // B's sweep has read the expired group and is stopped before deleting it; A renews it, with
        // an expiry in the same 10-minute bucket of the index.
        _gateB.Arm(StorageGate.HeadWrite(TableKeys.GroupPartition(GroupingKey.ForJob("rn"))));
        var sweep = sweeper.SweepAsync();
        await _gateB.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await _a.Client.SendAsync(Push(HttpMethod.Put, "/metrics/job/rn", "m 2\n", "1m"))).StatusCode);
        _gateB.Release();
        Assert.Equal(0, (await sweep).Deleted);
        Assert.Contains("m{instance=\"\",job=\"rn\"} 2\n", await _b.Client.GetStringAsync("/metrics"));

        // The renewed group still expires: its entry survived the race.
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, (await sweeper.SweepAsync()).Deleted);
        Assert.Null(await _b.Services.GetRequiredService<IGroupStore>().GetAsync(GroupingKey.ForJob("rn")));
    }
}
