using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Core.Tests.Exposition;

/// <summary>The fixture as stored groups, with the times used in <see cref="ReferenceGoldens"/>.</summary>
internal static class GoldenGroups
{
    public static MetricGroup Group1()
    {
        var at = ReferenceGoldens.Group1PushedAt;
        return new MetricGroup(
            GroupingKey.ForJob("golden", ("instance", "i1")),
            GoldenFixture.Group1().Select(f => new PushedFamily(f, at)).ToList(),
            at,
            null);
    }

    public static MetricGroup Group2()
    {
        var at = ReferenceGoldens.Group2PushedAt;
        return new MetricGroup(
            GroupingKey.ForJob("golden2"),
            GoldenFixture.Group2().Select(f => new PushedFamily(f, at)).ToList(),
            at,
            null);
    }
}
