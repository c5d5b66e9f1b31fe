using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Core.Tests.Gateway;

/// <summary>
/// The instance's permit cache. A revoked permit may still be what the store points at (the group's
/// head names the permit it was written with), so whichever push starts the next acquisition is told
/// of it, and it is never remembered again (review finding: a fresh push's acquisition re-joined the
/// revoked permit from the head and cached it, so concurrent pushes kept failing their writes).
/// </summary>
public sealed class RegisteredNamesTests
{
    private static readonly GroupingKey G = GroupingKey.ForJob("g");
    private static readonly GroupPermit P = new(G, "p");
    private static readonly GroupPermit Q = new(G, "q");

    private static List<MetricFamily> Families() => [new MetricFamily { Name = "x", Type = MetricType.Gauge }];

    [Fact]
    public async Task After_a_revocation_every_acquisition_for_the_group_is_told_and_the_revoked_permit_is_not_remembered()
    {
        var names = new RegisteredNames();
        names.Add(P, [("x", MetricType.Gauge)]);
        names.Forget(P);

        // Started by a push that did not see the revocation itself: it must still be told.
        GroupPermit? told = null;
        var stale = await names.AcquireAsync(G, (_, revoked) => { told = revoked; return Task.FromResult(P); }, CancellationToken.None);
        Assert.Equal(P, told);
        Assert.Equal(P, stale);
        Assert.Null(names.Lookup(G, Families()).Permit);

        var fresh = await names.AcquireAsync(G, (_, revoked) => Task.FromResult(revoked == P ? Q : P), CancellationToken.None);
        Assert.Equal(Q, fresh);
        Assert.Equal(Q, names.Lookup(G, Families()).Permit);
    }

    [Fact]
    public async Task A_write_landing_under_another_permit_ends_the_warning()
    {
        var names = new RegisteredNames();
        names.Forget(P);
        await names.AcquireAsync(G, (_, _) => Task.FromResult(Q), CancellationToken.None);
        names.Add(Q, [("x", MetricType.Gauge)]);
        names.Forget(Q);
        names.Add(new GroupPermit(G, "r"), []);

        GroupPermit? told = new(G, "unset");
        await names.AcquireAsync(G, (_, revoked) => { told = revoked; return Task.FromResult(Q); }, CancellationToken.None);
        Assert.Null(told);
    }
}
