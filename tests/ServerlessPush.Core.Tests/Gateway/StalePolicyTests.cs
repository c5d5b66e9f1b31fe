using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Core.Tests.Gateway;

public sealed class StalePolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static readonly StalePolicy Policy = new([
        new StaleRule { Jobs = "etl-*, backup", KeepFor = TimeSpan.FromHours(1) },
        new StaleRule { Jobs = "etl-eu-*", KeepFor = TimeSpan.FromHours(2) },
    ]);

    [Theory]
    [InlineData("backup", 1)]
    [InlineData("etl-us", 1)]
    [InlineData("etl-eu-1", 2)]
    [InlineData("backup2", null)]
    [InlineData("etl", null)]
    public void The_most_specific_pattern_decides(string job, int? hours) =>
        Assert.Equal(hours is { } h ? TimeSpan.FromHours(h) : null, Policy.KeepFor(job));

    [Theory]
    [InlineData("backup", 1, GroupLife.Live)]
    [InlineData("backup", -1, GroupLife.Stale)]
    [InlineData("backup", -60, GroupLife.Gone)]
    [InlineData("other", -1, GroupLife.Gone)]
    public void A_group_is_live_before_its_expiry_stale_for_keep_for_after_then_gone(string job, int expiresInMinutes, GroupLife life)
    {
        var group = new MetricGroup(GroupingKey.ForJob(job), [], Now.AddHours(-1), null, Now.AddMinutes(expiresInMinutes), TimeSpan.FromMinutes(1));
        Assert.Equal(life, Policy.LifeOf(group, Now));
    }

    [Fact]
    public void A_group_without_ttl_is_always_live() =>
        Assert.Equal(GroupLife.Live, Policy.LifeOf(new MetricGroup(GroupingKey.ForJob("backup"), [], Now, null), Now));

    [Fact]
    public void Rules_are_validated_with_their_position()
    {
        var errors = StalePolicy.Validate([
            new StaleRule { Jobs = "a", KeepFor = TimeSpan.FromHours(1) },
            new StaleRule { Jobs = "a, b*c", KeepFor = TimeSpan.Zero },
        ]).ToList();
        Assert.Equal(3, errors.Count);
        Assert.All(errors, e => Assert.StartsWith("Gateway:Expiry:Stale:1", e, StringComparison.Ordinal));
    }
}
