using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Core.Tests.Grouping;

public class GroupingKeyTests
{
    [Fact]
    public void Label_order_does_not_change_the_key()
    {
        var a = GroupingKey.ForJob("j", ("zone", "z"), ("instance", "i"));
        var b = GroupingKey.ForJob("j", ("instance", "i"), ("zone", "z"));
        Assert.Equal(a, b);
        Assert.Equal("8:instance1:i3:job1:j4:zone1:z", a.Canonical);
    }

    [Fact]
    public void A_value_holding_the_reference_separator_is_not_two_labels()
    {
        // Issue 12, item 1: joined with U+00FF, {a="1",b="2"} and {a="1ÿbÿ2"} were one key.
        var two = GroupingKey.ForJob("j", ("a", "1"), ("b", "2"));
        var one = GroupingKey.ForJob("j", ("a", "1\u00FFb\u00FF2"));
        Assert.NotEqual(two, one);
        Assert.NotEqual(two.Canonical, one.Canonical);
    }

    [Fact]
    public void A_value_that_looks_like_a_length_prefix_is_not_two_labels()
    {
        var two = GroupingKey.ForJob("j", ("a", "1"), ("b", "2"));
        var one = GroupingKey.ForJob("j", ("a", "11:b1:2"));
        Assert.NotEqual(two.Canonical, one.Canonical);
    }

    [Fact]
    public void An_empty_instance_is_a_different_group_from_no_instance()
    {
        Assert.NotEqual(GroupingKey.ForJob("j"), GroupingKey.ForJob("j", ("instance", "")));
    }
}
