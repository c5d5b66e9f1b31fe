using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Core.Tests.Exposition;

public class TimestampGaugesTests
{
    [Fact]
    public void Adds_empty_instance_and_sorts_labels()
    {
        var key = GroupingKey.ForJob("j", ("zone", "eu"), ("a", "1"));
        var f = TimestampGauges.PushTime(key, null);

        Assert.Equal("push_time_seconds", f.Name);
        Assert.Equal("Last Unix time when changing this group in the Pushgateway succeeded.", f.Help);
        Assert.Equal(Metrics.MetricType.Gauge, f.Type);
        var m = Assert.Single(f.Metric);
        Assert.Equal(["a=1", "instance=", "job=j", "zone=eu"], m.Label.Select(l => $"{l.Name}={l.Value}"));
        Assert.Equal(0d, m.Gauge.Value);
    }

    [Fact]
    public void Keeps_instance_from_key_and_uses_unix_seconds_with_fraction()
    {
        var key = GroupingKey.ForJob("j", ("instance", "i"));
        var t = DateTimeOffset.FromUnixTimeSeconds(1795608585).AddTicks(4062664);
        var f = TimestampGauges.PushFailureTime(key, t);

        Assert.Equal("Last Unix time when changing this group in the Pushgateway failed.", f.Help);
        Assert.Equal(["instance=i", "job=j"], f.Metric[0].Label.Select(l => $"{l.Name}={l.Value}"));
        Assert.Equal("1.7956085854062665e+09", GoFloat.Format(f.Metric[0].Gauge.Value));
    }

    [Fact]
    public void For_group_builds_both_from_the_group_times()
    {
        var t = DateTimeOffset.FromUnixTimeMilliseconds(1500);
        var group = new MetricGroup(GroupingKey.ForJob("j"), [], t, null);
        var both = TimestampGauges.For(group);
        Assert.Equal(["push_time_seconds", "push_failure_time_seconds"], both.Select(f => f.Name));
        Assert.Equal(1.5, both[0].Metric[0].Gauge.Value);
        Assert.Equal(0, both[1].Metric[0].Gauge.Value);
    }
}
