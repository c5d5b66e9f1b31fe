using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Tests.Gateway;

public class PushValidatorTests
{
    private static MetricFamily Gauge(string name, params (string Name, string Value)[] labels)
    {
        var metric = new Metric { Gauge = new Gauge { Value = 1 } };
        foreach (var (n, v) in labels)
        {
            metric.Label.Add(new LabelPair { Name = n, Value = v });
        }
        var family = new MetricFamily { Name = name, Type = MetricType.Gauge };
        family.Metric.Add(metric);
        return family;
    }

    private static string Labels(Metric m) => string.Join(",", m.Label.Select(l => $"{l.Name}={l.Value}"));

    [Fact]
    public void Grouping_labels_overwrite_the_body_and_instance_defaults_to_empty()
    {
        var families = new List<MetricFamily> { Gauge("foo", ("job", "other"), ("zone", "z")) };
        Assert.Null(PushValidator.ValidateAndSanitise(GroupingKey.ForJob("q"), families));
        Assert.Equal("instance=,job=q,zone=z", Labels(families[0].Metric[0]));
    }

    [Fact]
    public void A_body_instance_is_kept_when_the_key_has_none()
    {
        var families = new List<MetricFamily> { Gauge("foo", ("instance", "i2")) };
        Assert.Null(PushValidator.ValidateAndSanitise(GroupingKey.ForJob("q"), families));
        Assert.Equal("instance=i2,job=q", Labels(families[0].Metric[0]));
    }

    [Fact]
    public void Series_whose_labels_join_to_the_same_text_are_not_duplicates()
    {
        // The signature once joined with U+00FF: {a="1",b="2"} and {a="1ÿbÿ2"} were "the same series".
        var families = new List<MetricFamily> { Gauge("foo", ("a", "1"), ("b", "2")) };
        families[0].Metric.Add(Gauge("foo", ("a", "1\u00FFb\u00FF2")).Metric[0].Clone());
        Assert.Null(PushValidator.ValidateAndSanitise(GroupingKey.ForJob("q"), families));
        Assert.Equal(2, families[0].Metric.Count);
    }

    [Fact]
    public void Series_that_become_equal_after_sanitising_are_duplicates()
    {
        var family = Gauge("foo", ("job", "a"));
        family.Metric.Add(new Metric { Gauge = new Gauge { Value = 2 }, Label = { new LabelPair { Name = "job", Value = "b" } } });
        var error = PushValidator.ValidateAndSanitise(GroupingKey.ForJob("q"), [family]);
        Assert.Contains("was collected before with the same name and label values", error);
    }

    [Fact]
    public void Timestamps_are_rejected()
    {
        var family = Gauge("foo");
        family.Metric[0].TimestampMs = 0;
        Assert.Equal("pushed metrics must not have timestamps", PushValidator.ValidateAndSanitise(GroupingKey.ForJob("q"), [family]));
    }

    [Fact]
    public void Reserved_label_names_are_rejected()
    {
        var error = PushValidator.ValidateAndSanitise(GroupingKey.ForJob("q"), [Gauge("foo", ("__x", "1"))]);
        Assert.Contains("has a label with an invalid name: __x", error);
    }

    [Fact]
    public void A_value_that_does_not_match_the_family_type_is_rejected()
    {
        var family = Gauge("foo");
        family.Type = MetricType.Counter;
        Assert.EndsWith("is not a COUNTER", PushValidator.ValidateAndSanitise(GroupingKey.ForJob("q"), [family]));
    }

    [Fact]
    public void A_count_family_next_to_a_summary_of_its_base_name_is_rejected()
    {
        var summary = new MetricFamily { Name = "rpc", Type = MetricType.Summary, Metric = { new Metric { Summary = new Summary() } } };
        var error = PushValidator.ValidateAndSanitise(GroupingKey.ForJob("q"), [summary, Gauge("rpc_count")]);
        Assert.Contains("collides with previously collected summary named \"rpc\"", error);
    }

    [Fact]
    public void Pushed_timestamp_gauges_are_overridden()
    {
        var families = new List<MetricFamily> { Gauge("push_time_seconds"), Gauge("kept") };
        Assert.Null(PushValidator.ValidateAndSanitise(GroupingKey.ForJob("q"), families));
        Assert.Equal(["kept"], families.Select(f => f.Name));
    }
}

public class PushValidatorSignatureTests
{
    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("123456789")]
    [InlineData("1234567890")]
    [InlineData("ünïcødé \u00ff\uffff 🚀 value")]
    public void The_series_signature_is_the_length_prefixed_join_of_name_and_labels(string text)
    {
        var long1 = new string('x', 99) + text;
        var long2 = new string('y', 12_345) + text;
        var metric = new Metric();
        metric.Label.Add(new LabelPair { Name = text, Value = long1 });
        metric.Label.Add(new LabelPair { Name = "b", Value = long2 });
        metric.Label.Add(new LabelPair { Name = "c", Value = "" });
        var expected = new System.Text.StringBuilder().AppendField("name" + text);
        foreach (var label in metric.Label)
        {
            expected.AppendField(label.Name).AppendField(label.Value);
        }
        Assert.Equal(expected.ToString(), PushValidator.SeriesSignature("name" + text, metric));
    }

    [Fact]
    public void Duplicate_label_names_are_reported_in_name_order_whatever_the_body_order()
    {
        var metric = new Metric { Gauge = new Gauge { Value = 1 } };
        foreach (var (name, value) in new[] { ("z", "1"), ("z", "3"), ("a b", "2") })
        {
            metric.Label.Add(new LabelPair { Name = name, Value = value });
        }
        var family = new MetricFamily { Name = "foo", Type = MetricType.Gauge };
        family.Metric.Add(metric);
        // Sorted, the invalid name "a b" comes before the duplicate "z": that is the error reported.
        var error = PushValidator.ValidateAndSanitise(GroupingKey.ForJob("q"), [family]);
        Assert.Contains("has a label with an invalid name: a b", error, StringComparison.Ordinal);
    }
}
