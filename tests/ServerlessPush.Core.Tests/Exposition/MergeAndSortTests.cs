using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Metrics;
using static ServerlessPush.Core.Tests.Exposition.GoldenFixture;

namespace ServerlessPush.Core.Tests.Exposition;

public class MergeAndSortTests
{
    private static Metric G(double v, params (string, string)[] labels) => Series(m => m.Gauge = new Gauge { Value = v }, labels);

    [Fact]
    public void Merges_same_name_keeping_first_help_and_type_and_sorts_families_bytewise()
    {
        var a = Family("b", MetricType.Gauge, "first", G(1, ("x", "1")));
        var b = Family("a", MetricType.Gauge, null, G(1));
        var c = Family("b", MetricType.Counter, "second", G(2, ("x", "0")));
        var d = Family("B", MetricType.Gauge, null, G(3));

        var result = FamilyMerger.MergeAndSort([a, b, c, d]);

        Assert.Equal(["B", "a", "b"], result.Select(f => f.Name));
        var merged = result[2];
        Assert.Equal("first", merged.Help);
        Assert.Equal(MetricType.Gauge, merged.Type);
        Assert.Equal(["0", "1"], merged.Metric.Select(m => m.Label[0].Value));
        Assert.False(result[1].HasHelp);
    }

    [Fact]
    public void Drops_families_without_series()
    {
        var result = FamilyMerger.MergeAndSort([Family("empty", MetricType.Gauge, "h"), Family("full", MetricType.Gauge, null, G(1))]);
        Assert.Equal(["full"], result.Select(f => f.Name));
    }

    [Fact]
    public void Sorts_series_by_label_count_then_values_by_position()
    {
        // Reference example: zeta{a="0",instance="x",job="jb"} before zeta{a="1",b="2",…}.
        var f = Family("zeta", MetricType.Gauge, null,
            G(1, ("a", "1"), ("b", "2"), ("instance", "x"), ("job", "jb")),
            G(2, ("a", "0"), ("instance", "x"), ("job", "jb")),
            G(3, ("b", "0"), ("instance", "y"), ("job", "jb")),
            G(4, ("a", "0"), ("instance", "w"), ("job", "jb")));

        var sorted = FamilyMerger.MergeAndSort([f])[0].Metric.Select(m => m.Gauge.Value);

        // Names are not compared: b="0",instance="y" sorts with the a="0" series by its values.
        Assert.Equal([4d, 2d, 3d, 1d], sorted);
    }

    [Fact]
    public void Compares_values_in_utf8_byte_order()
    {
        // U+FF5E (EF BD 9E) sorts before U+1F600 (F0 9F 98 80) in UTF-8, not in UTF-16.
        var f = Family("m", MetricType.Gauge, null, G(1, ("v", "😀")), G(2, ("v", "～")));
        Assert.Equal([2d, 1d], FamilyMerger.MergeAndSort([f])[0].Metric.Select(m => m.Gauge.Value));
    }

    [Fact]
    public void Does_not_modify_inputs()
    {
        var f1 = Family("m", MetricType.Gauge, "h", G(2, ("v", "b")));
        var f2 = Family("m", MetricType.Gauge, "h", G(1, ("v", "a")));
        var before1 = f1.Clone();
        var before2 = f2.Clone();

        var result = FamilyMerger.MergeAndSort([f1, f2]);

        Assert.Equal(2, result[0].Metric.Count);
        Assert.Equal(before1, f1);
        Assert.Equal(before2, f2);
        Assert.NotSame(f1, result[0]);
    }
}
