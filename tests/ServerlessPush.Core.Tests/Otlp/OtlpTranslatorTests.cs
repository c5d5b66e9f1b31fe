using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Metrics.V1;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Otlp;
using static ServerlessPush.Core.Tests.Otlp.OtlpTestData;

namespace ServerlessPush.Core.Tests.Otlp;

public sealed class OtlpTranslatorTests
{
    private static readonly OtlpOptions Defaults = new();

    private static MetricFamily Family(OtlpGroup group, string name) => Assert.Single(group.Families, f => f.Name == name);

    private static string Labels(ServerlessPush.Core.Metrics.Metric metric) => string.Join(",", metric.Label.Select(l => $"{l.Name}={l.Value}"));

    [Fact]
    public void A_resource_is_one_group_keyed_by_namespace_name_and_instance()
    {
        var request = Request(Service("backup", ns: "nightly", instance: "db-1", Attribute("site", "eu")), Gauge("size", "By", 5));
        var group = Assert.Single(OtlpTranslator.Translate(request, new OtlpOptions { GroupingAttributes = ["site", "absent"] }).Groups);
        Assert.Equal(GroupingKey.ForJob("nightly/backup", ("instance", "db-1"), ("site", "eu")), group.Key);
    }

    [Fact]
    public void Without_namespace_or_instance_the_job_is_the_service_name_alone()
    {
        var group = Assert.Single(OtlpTranslator.Translate(Request(Service("backup"), Gauge("size", "By", 5)), Defaults).Groups);
        Assert.Equal(GroupingKey.ForJob("backup"), group.Key);
    }

    [Fact]
    public void A_resource_without_service_name_is_refused()
    {
        var request = Request([Attribute("host.name", "db")], Gauge("size", "By", 5));
        var error = Assert.Throws<OtlpRequestException>(() => OtlpTranslator.Translate(request, Defaults));
        Assert.Contains("service.name", error.Message);
    }

    [Fact]
    public void Each_instrument_kind_becomes_its_prometheus_type()
    {
        var request = Request(Service(),
            Counter("backup.files", "{file}", 42),
            UpDown("backup.queue", -3),
            Gauge("backup.size", "By", 1234),
            Histogram("backup.duration", "s", [1, 5, 30], [0, 1, 0, 0], 3.2),
            Exponential("backup.latency", "ms", scale: 2, offset: 4, counts: [1, 0, 2], zeroCount: 1, sum: 12.5));
        var group = Assert.Single(OtlpTranslator.Translate(request, Defaults).Groups);

        var files = Family(group, "backup_files_total");
        Assert.Equal((MetricType.Counter, 42.0), (files.Type, Assert.Single(files.Metric).Counter.Value));
        var queue = Family(group, "backup_queue");
        Assert.Equal((MetricType.Gauge, -3.0), (queue.Type, Assert.Single(queue.Metric).Gauge.Value));
        var size = Family(group, "backup_size_bytes");
        Assert.Equal((MetricType.Gauge, 1234.0), (size.Type, Assert.Single(size.Metric).Gauge.Value));

        var duration = Assert.Single(Family(group, "backup_duration_seconds").Metric).Histogram;
        Assert.Equal((1UL, 3.2), (duration.SampleCount, duration.SampleSum));
        Assert.Equal([(1.0, 0UL), (5.0, 1UL), (30.0, 1UL), (double.PositiveInfinity, 1UL)],
            duration.Bucket.Select(b => (b.UpperBound, b.CumulativeCount)));
        Assert.False(duration.HasSchema);

        var latency = Assert.Single(Family(group, "backup_latency_milliseconds").Metric).Histogram;
        Assert.Equal((4UL, 12.5, 2, 1UL, NativeHistograms.DefaultZeroThreshold), (latency.SampleCount, latency.SampleSum, latency.Schema, latency.ZeroCount, latency.ZeroThreshold));
        // OTLP buckets 4..6 are Prometheus buckets 5..7; one span (the single empty bucket is kept), counts as deltas.
        Assert.Equal([(5, 3U)], latency.PositiveSpan.Select(s => (s.Offset, s.Length)));
        Assert.Equal([1L, -1L, 2L], latency.PositiveDelta);
        Assert.Empty(latency.Bucket);
        Assert.Equal(5, group.Points);
        Assert.Empty(group.DeltaFamilies);
    }

    [Fact]
    public void Point_attributes_become_sorted_labels_and_colliding_names_join_their_values()
    {
        var request = Request(Service(), Counter("hits", "", 1, AggregationTemporality.Cumulative,
            Attribute("status", "ok"), Attribute("http.method", "GET"), Attribute("http_method", "get"), Attribute("empty", ""),
            new KeyValue { Key = "retry", Value = new AnyValue { BoolValue = true } },
            new KeyValue { Key = "shard", Value = new AnyValue { IntValue = 7 } },
            new KeyValue { Key = "tags", Value = new AnyValue { ArrayValue = new ArrayValue { Values = { new AnyValue { StringValue = "a" }, new AnyValue { IntValue = 1 } } } } }));
        var metric = Assert.Single(Family(Assert.Single(OtlpTranslator.Translate(request, Defaults).Groups), "hits_total").Metric);
        Assert.Equal("http_method=GET;get,retry=true,shard=7,status=ok,tags=[\"a\",1]", Labels(metric));
    }

    [Fact]
    public void Other_resource_attributes_go_to_target_info()
    {
        var request = Request(Service("backup", ns: "nightly", instance: "db-1", Attribute("site", "eu"), Attribute("host.name", "db"), Attribute("telemetry.sdk.language", "dotnet")),
            Gauge("size", "By", 5));
        var group = Assert.Single(OtlpTranslator.Translate(request, new OtlpOptions { GroupingAttributes = ["site"] }).Groups);
        var info = Family(group, "target_info");
        Assert.Equal(MetricType.Gauge, info.Type);
        var metric = Assert.Single(info.Metric);
        Assert.Equal(1, metric.Gauge.Value);
        Assert.Equal("host_name=db,telemetry_sdk_language=dotnet", Labels(metric));
    }

    [Fact]
    public void Delta_temporality_is_refused_unless_deltas_are_summed()
    {
        var request = Request(Service(), Counter("jobs", "", 3, AggregationTemporality.Delta));
        var error = Assert.Throws<OtlpRequestException>(() => OtlpTranslator.Translate(request, Defaults));
        Assert.Contains("delta temporality", error.Message);
        Assert.Contains("cumulative", error.Message);

        var group = Assert.Single(OtlpTranslator.Translate(request, new OtlpOptions { SumDeltas = true }).Groups);
        Assert.Equal(["jobs_total"], group.DeltaFamilies);
    }

    [Fact]
    public void Bad_points_are_left_out_and_counted_with_the_first_reason()
    {
        var badHistogram = Histogram("h", "", [1, 2], [1, 1], 1); // three buckets for two bounds expected
        var badScale = Exponential("e", "", scale: -5, offset: 0, counts: [1], zeroCount: 0, sum: 1);
        var unspecified = Counter("c", "", 1, AggregationTemporality.Unspecified);
        var translation = OtlpTranslator.Translate(Request(Service(), badHistogram, badScale, unspecified, Gauge("ok", "", 1)), Defaults);
        Assert.Equal(3, translation.RejectedPoints);
        Assert.Contains("2 bucket counts for 2 bounds", translation.RejectionReason);
        Assert.Equal(["ok"], Assert.Single(translation.Groups).Families.Select(f => f.Name));
    }

    [Fact]
    public void A_resource_whose_points_are_all_left_out_is_no_group()
    {
        var translation = OtlpTranslator.Translate(Request(Service(), Counter("c", "", 1, AggregationTemporality.Unspecified)), Defaults);
        Assert.Empty(translation.Groups);
        Assert.Equal(1, translation.RejectedPoints);
    }

    [Fact]
    public void Points_without_a_recorded_value_are_skipped()
    {
        var metric = Gauge("g", "", 1);
        metric.Gauge.DataPoints[0].Flags = (uint)DataPointFlags.NoRecordedValueMask;
        var translation = OtlpTranslator.Translate(Request(Service(), metric, Gauge("ok", "", 1)), Defaults);
        Assert.Equal((0L, 1L), (translation.RejectedPoints, Assert.Single(translation.Groups).Points));
    }

    [Fact]
    public void A_scale_above_eight_is_merged_down_to_schema_eight()
    {
        // Scale 10 buckets 8..11 merge pairwise twice (index >> 2): all into scale-8 bucket 2, which is Prometheus bucket 3.
        var request = Request(Service(), Exponential("e", "", scale: 10, offset: 8, counts: [1, 2, 3, 4], zeroCount: 0, sum: 1));
        var histogram = Assert.Single(Family(Assert.Single(OtlpTranslator.Translate(request, Defaults).Groups), "e").Metric).Histogram;
        Assert.Equal(8, histogram.Schema);
        Assert.Equal([(3, 1U)], histogram.PositiveSpan.Select(s => (s.Offset, s.Length)));
        Assert.Equal([10L], histogram.PositiveDelta);
    }

    [Fact]
    public void Negative_indices_merge_down_by_floor()
    {
        // Scale 9, OTLP buckets -3..-1 >> 1 = -2, -1, -1: Prometheus buckets -1 (1) and 0 (2+3).
        var request = Request(Service(), Exponential("e", "", scale: 9, offset: -3, counts: [1, 2, 3], zeroCount: 0, sum: 1));
        var histogram = Assert.Single(Family(Assert.Single(OtlpTranslator.Translate(request, Defaults).Groups), "e").Metric).Histogram;
        Assert.Equal([(-1L, 1UL), (0L, 5UL)], NativeHistograms.Decode(histogram.PositiveSpan, histogram.PositiveDelta));
    }

    [Fact]
    public void Resources_with_the_same_key_share_one_group()
    {
        var request = Request(Service(), Gauge("a", "", 1));
        request.ResourceMetrics.Add(Request(Service(), Gauge("b", "", 2)).ResourceMetrics[0]);
        var group = Assert.Single(OtlpTranslator.Translate(request, Defaults).Groups);
        Assert.Equal(["a", "b"], group.Families.Select(f => f.Name).Order());
    }

    [Fact]
    public void Two_instruments_with_one_name_and_two_types_keep_the_first()
    {
        var translation = OtlpTranslator.Translate(Request(Service(), Gauge("x.total", "", 1), Counter("x", "", 2)), Defaults);
        Assert.Equal(1, translation.RejectedPoints);
        Assert.Equal(MetricType.Gauge, Family(Assert.Single(translation.Groups), "x_total").Type);
    }
}
