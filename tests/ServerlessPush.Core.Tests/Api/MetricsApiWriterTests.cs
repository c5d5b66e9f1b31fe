using System.Buffers;
using System.Text;
using ServerlessPush.Core.Api;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Tests.Exposition;
using static ServerlessPush.Core.Tests.Exposition.GoldenFixture;

namespace ServerlessPush.Core.Tests.Api;

public class MetricsApiWriterTests
{
    private static string Group(MetricGroup g)
    {
        var buffer = new ArrayBufferWriter<byte>();
        MetricsApiWriter.WriteGroup(buffer, g);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Group_objects_match_reference_1_5_1()
    {
        // Captured from 1.5.1 (times replaced by the fixture's, see ReferenceGoldens): escaping
        // (<, >, & as \u003c…, raw emoji), sorted keys, "-0", omitted empty help, {} quantiles.
        Assert.Equal(ReferenceGoldens.ApiGroup1, Group(GoldenGroups.Group1()));
        Assert.Equal(ReferenceGoldens.ApiGroup2, Group(GoldenGroups.Group2()));
    }

    [Fact]
    public void Envelope_with_groups_in_given_order()
    {
        var json = MetricsApiWriter.WriteToString([GoldenGroups.Group2(), GoldenGroups.Group1()]);
        Assert.Equal("{\"status\":\"success\",\"data\":[" + ReferenceGoldens.ApiGroup2 + "," + ReferenceGoldens.ApiGroup1 + "]}", json);
    }

    [Fact]
    public void Empty_store_is_the_reference_empty_answer()
    {
        Assert.Equal("{\"status\":\"success\",\"data\":[]}", MetricsApiWriter.WriteToString([]));
    }

    [Fact]
    public async Task WriteAsync_equals_sync()
    {
        using var stream = new MemoryStream();
        await MetricsApiWriter.WriteAsync(stream, [GoldenGroups.Group1(), GoldenGroups.Group2()]);
        Assert.Equal(MetricsApiWriter.WriteToString([GoldenGroups.Group1(), GoldenGroups.Group2()]), Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Control_characters_and_line_separators_are_escaped_like_go_1_19()
    {
        // Observed on 1.5.1: "\u0001\u0008\u000c\t" with DEL raw and U+2028 escaped.
        var key = GroupingKey.ForJob("esc");
        var f = Family("w", MetricType.Untyped, null, Series(m => m.Untyped = new Untyped { Value = 1 }, ("v", "\u0001\b\f\t\u007f\u2028\r")));
        var json = Group(new MetricGroup(key, [new PushedFamily(f, DateTimeOffset.UnixEpoch)], DateTimeOffset.UnixEpoch, null));
        Assert.Contains("\"v\":\"\\u0001\\u0008\\u000c\\t\u007f\\u2028\\r\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Timestamp_gauge_time_stamps_and_last_push_successful_after_a_failure()
    {
        // Reference: a failed push creating the group gives push_time_seconds 0 stamped with the
        // failure time, and last_push_successful false.
        var failedAt = new DateTimeOffset(2026, 11, 25, 5, 34, 36, TimeSpan.FromHours(5.5)).AddTicks(7037260);
        var g = new MetricGroup(GroupingKey.ForJob("j"), [], null, failedAt);
        var json = Group(g);
        Assert.Equal(
            "{\"labels\":{\"job\":\"j\"},\"last_push_successful\":false," +
            "\"push_failure_time_seconds\":{\"time_stamp\":\"2026-11-25T05:34:36.703726+05:30\",\"type\":\"GAUGE\",\"help\":\"Last Unix time when changing this group in the Pushgateway failed.\",\"metrics\":[{\"labels\":{\"instance\":\"\",\"job\":\"j\"},\"value\":\"1.795565076703726e+09\"}]}," +
            "\"push_time_seconds\":{\"time_stamp\":\"2026-11-25T05:34:36.703726+05:30\",\"type\":\"GAUGE\",\"help\":\"Last Unix time when changing this group in the Pushgateway succeeded.\",\"metrics\":[{\"labels\":{\"instance\":\"\",\"job\":\"j\"},\"value\":\"0\"}]}}",
            json);
    }

    [Fact]
    public void Whole_second_time_has_no_fraction()
    {
        Assert.Equal("2026-01-02T03:04:05Z", GoJson.FormatTime(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)));
        Assert.Equal("2026-01-02T03:04:05.1-02:00", GoJson.FormatTime(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(-2)).AddMilliseconds(100)));
    }

    [Fact]
    public void Gauge_histogram_is_value_zero_and_float_histogram_counts_are_used()
    {
        var gh = Family("gh", MetricType.GaugeHistogram, null, Series(m => m.Histogram = new Histogram { SampleCount = 3 }));
        var fh = Family("fh", MetricType.Histogram, null, Series(m => m.Histogram = new Histogram
        {
            SampleCountFloat = 2.5,
            Bucket = { new Bucket { UpperBound = 250000, CumulativeCountFloat = 1.5 }, new Bucket { UpperBound = 500000, CumulativeCount = 2 } },
        }));
        var t = DateTimeOffset.UnixEpoch;
        var json = Group(new MetricGroup(GroupingKey.ForJob("j"), [new PushedFamily(gh, t), new PushedFamily(fh, t)], t, null));
        Assert.Contains("\"gh\":{\"time_stamp\":\"1970-01-01T00:00:00Z\",\"type\":\"GAUGE_HISTOGRAM\",\"metrics\":[{\"labels\":{},\"value\":\"0\"}]}", json, StringComparison.Ordinal);
        Assert.Contains("\"metrics\":[{\"buckets\":{\"250000\":\"1.5\",\"500000\":\"2\"},\"count\":\"2.5\",\"labels\":{},\"sum\":\"0\"}]", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Pushed_families_named_like_the_fixed_keys_do_not_overwrite_them()
    {
        var t = DateTimeOffset.UnixEpoch;
        var labels = Family("labels", MetricType.Gauge, null, Series(m => m.Gauge = new Gauge { Value = 1 }));
        var pushTime = Family("push_time_seconds", MetricType.Gauge, null, Series(m => m.Gauge = new Gauge { Value = 5 }));
        var json = Group(new MetricGroup(GroupingKey.ForJob("j"), [new PushedFamily(labels, t), new PushedFamily(pushTime, t)], t, null));
        Assert.StartsWith("{\"labels\":{\"job\":\"j\"},\"last_push_successful\":true,", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"value\":\"5\"", json, StringComparison.Ordinal);
        Assert.Equal(1, json.Split("\"labels\":{\"job\"").Length - 1);
    }
}
