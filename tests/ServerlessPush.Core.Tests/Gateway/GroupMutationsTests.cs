using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Core.Tests.Gateway;

/// <summary><see cref="ReplaceFamilies"/> (PUT) and <see cref="MergeFamilies"/> (POST) on their own.</summary>
public sealed class GroupMutationsTests
{
    private static readonly DateTimeOffset Then = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = Then.AddMinutes(5);
    private static readonly GroupingKey Key = GroupingKey.ForJob("j");

    private static PushedFamily Family(string name, DateTimeOffset at) => new(InMemoryGateway.Parse($"{name} 1\n")[0], at);

    private static MetricGroup Current(TimeSpan? ttl = null) =>
        new(Key, [Family("x", Then), Family("y", Then)], Then, null, Then + ttl, ttl);

    [Fact]
    public void A_put_replaces_every_family_and_needs_no_read()
    {
        var put = new ReplaceFamilies([Family("y", Now)], Now, TimeSpan.FromHours(1));
        Assert.False(put.NeedsCurrent);
        var content = put.Apply(Current());
        Assert.Equal(["y"], content.Families.Select(f => f.Name));
        Assert.Equal(Now + TimeSpan.FromHours(1), content.ExpiresAt);
    }

    [Fact]
    public void A_post_replaces_the_pushed_families_and_keeps_the_others()
    {
        var post = new MergeFamilies([Family("y", Now), Family("z", Now)], Now, null, null);
        Assert.True(post.NeedsCurrent);
        var content = post.Apply(Current());
        Assert.Equal([("x", Then), ("y", Now), ("z", Now)], content.Families.Select(f => (f.Name, f.PushedAt)));
        Assert.Equal(Now, content.PushTime);
        Assert.Null(content.ExpiresAt);
    }

    [Theory]
    [InlineData(30, 10, 20, 30)] // the push's own TTL first
    [InlineData(null, 10, 20, 10)] // else the group's
    [InlineData(null, null, 20, 20)] // else the default
    public void A_post_renews_the_expiry_with_the_first_ttl_it_has(int? requested, int? groups, int? configured, int expected)
    {
        static TimeSpan? Minutes(int? m) => m is { } v ? TimeSpan.FromMinutes(v) : null;
        var post = new MergeFamilies([Family("y", Now)], Now, Minutes(requested), Minutes(configured));
        Assert.Equal(Now + TimeSpan.FromMinutes(expected), post.Apply(Current(Minutes(groups))).ExpiresAt);
    }

    [Fact]
    public void A_post_to_an_expired_group_starts_afresh()
    {
        var post = new MergeFamilies([Family("y", Now)], Now, null, null);
        var content = post.Apply(Current(TimeSpan.FromMinutes(1)));
        Assert.Equal(["y"], content.Families.Select(f => f.Name));
        Assert.Null(content.Ttl);
    }
}
