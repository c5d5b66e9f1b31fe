using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Core.Tests.Gateway;

/// <summary><see cref="Core.Gateway.ExpirySweeper"/> over the in-memory store's expiry index.</summary>
public sealed class ExpirySweeperTests
{
    [Fact]
    public async Task The_sweep_deletes_expired_groups_and_keeps_renewed_and_unexpiring_ones()
    {
        var gateway = new InMemoryGateway();
        Assert.True((await gateway.PutAsync(GroupingKey.ForJob("gone"), "x 1\n", ttl: TimeSpan.FromMinutes(1))).Accepted);
        Assert.True((await gateway.PutAsync(GroupingKey.ForJob("renewed"), "x 1\n", ttl: TimeSpan.FromMinutes(1))).Accepted);
        Assert.True((await gateway.PutAsync(GroupingKey.ForJob("kept"), "x 1\n")).Accepted);
        gateway.Time.Advance(TimeSpan.FromSeconds(50));
        Assert.True((await gateway.PostAsync(GroupingKey.ForJob("renewed"), "y 1\n")).Accepted);
        gateway.Time.Advance(TimeSpan.FromSeconds(20));

        var result = await gateway.Sweeper.SweepAsync();

        Assert.Equal(1, result.Deleted);
        Assert.Equal(["kept", "renewed"], gateway.Store.Groups.Select(g => g.Key.Job));
        gateway.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, (await gateway.Sweeper.SweepAsync()).Deleted);
        Assert.Equal(0, (await gateway.Sweeper.SweepAsync()).Candidates);
    }
}
