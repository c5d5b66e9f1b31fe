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
        Assert.Equal("instance\u00FFi\u00FFjob\u00FFj\u00FFzone\u00FFz", a.Canonical);
    }

    [Fact]
    public void An_empty_instance_is_a_different_group_from_no_instance()
    {
        Assert.NotEqual(GroupingKey.ForJob("j"), GroupingKey.ForJob("j", ("instance", "")));
    }
}
