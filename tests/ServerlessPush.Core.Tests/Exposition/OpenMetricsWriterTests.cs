using Google.Protobuf.WellKnownTypes;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Metrics;
using static ServerlessPush.Core.Tests.Exposition.GoldenFixture;

namespace ServerlessPush.Core.Tests.Exposition;

// The reference never serves OpenMetrics; expectations follow prometheus/common's
// expfmt.MetricFamilyToOpenMetrics (v0.67) rule by rule, and the golden-group output was
// checked by letting Prometheus scrape it as application/openmetrics-text.
public class OpenMetricsWriterTests
{
    [Fact]
    public void Golden_groups()
    {
        var families = FamilyMerger.ForScrape([GoldenGroups.Group1(), GoldenGroups.Group2()]);
        const string expected = """
            # HELP c Counts \\ things\nover lines \"quoted\"
            # TYPE c counter
            c_total{instance="i1",job="golden"} 0.0001
            c_total{a="0",instance="",job="golden2"} 5.0
            c_total{a="1",instance="i1",job="golden"} 1e+21
            c_total{a="2",instance="i1",job="golden"} 2.0
            # TYPE g gauge
            g{instance="",job="golden2"} 0.5
            g{instance="i1",job="golden",v="<a&b> ü 😀"} 1e+06
            g{instance="i1",job="golden",v="nan"} NaN
            g{instance="i1",job="golden",v="q\"b\\n\nx"} 0.0
            # HELP h A histogram.
            # TYPE h histogram
            h_bucket{instance="i1",job="golden",le="0.1"} 1
            h_bucket{instance="i1",job="golden",le="1.0"} 4
            h_bucket{instance="i1",job="golden",le="1e+06"} 9
            h_bucket{instance="i1",job="golden",le="+Inf"} 10
            h_sum{instance="i1",job="golden"} 5.5
            h_count{instance="i1",job="golden"} 10
            h_bucket{instance="i1",job="golden",k="v",le="-5.0"} 0
            h_bucket{instance="i1",job="golden",k="v",le="+Inf"} 3
            h_sum{instance="i1",job="golden",k="v"} 0.0
            h_count{instance="i1",job="golden",k="v"} 0
            # HELP push_failure_time_seconds Last Unix time when changing this group in the Pushgateway failed.
            # TYPE push_failure_time_seconds gauge
            push_failure_time_seconds{instance="",job="golden2"} 0.0
            push_failure_time_seconds{instance="i1",job="golden"} 0.0
            # HELP push_time_seconds Last Unix time when changing this group in the Pushgateway succeeded.
            # TYPE push_time_seconds gauge
            push_time_seconds{instance="",job="golden2"} 1.7956085855165355e+09
            push_time_seconds{instance="i1",job="golden"} 1.7956085854062665e+09
            # HELP s A summary.
            # TYPE s summary
            s_sum{instance="i1",job="golden",x="0"} 0.0
            s_count{instance="i1",job="golden",x="0"} 0
            s{instance="i1",job="golden",x="1",quantile="0.99"} -1.0
            s{instance="i1",job="golden",x="1",quantile="0.5"} +Inf
            s_sum{instance="i1",job="golden",x="1"} 1.5e-07
            s_count{instance="i1",job="golden",x="1"} 7
            # HELP u 
            # TYPE u unknown
            u{instance="i1",job="golden"} 1.23456789e+08
            # HELP z_counter No _total suffix.
            # TYPE z_counter counter
            z_counter_total{instance="i1",job="golden"} 3.0
            # EOF

            """;
        Assert.Equal(expected, OpenMetricsWriter.WriteToString(families));
    }

    [Fact]
    public async Task WriteAsync_equals_sync_and_ends_with_eof()
    {
        var families = FamilyMerger.ForScrape([GoldenGroups.Group1()]);
        using var stream = new MemoryStream();
        await OpenMetricsWriter.WriteAsync(stream, families);
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        Assert.Equal(OpenMetricsWriter.WriteToString(families), text);
        Assert.EndsWith("\n# EOF\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_scrape_is_just_eof()
    {
        Assert.Equal("# EOF\n", OpenMetricsWriter.WriteToString([]));
    }

    [Fact]
    public void Counter_exemplar_with_timestamp_is_written()
    {
        var f = Family("req_total", MetricType.Counter, null, Series(m => m.Counter = new Counter
        {
            Value = 12,
            Exemplar = new Exemplar
            {
                Value = 0.25,
                Timestamp = new Timestamp { Seconds = 1700000000, Nanos = 500_000_000 },
                Label = { new LabelPair { Name = "trace_id", Value = "abc" } },
            },
        }, ("job", "j")));
        Assert.Equal(
            "# TYPE req counter\nreq_total{job=\"j\"} 12.0 # {trace_id=\"abc\"} 0.25 1.7000000005e+09\n# EOF\n",
            OpenMetricsWriter.WriteToString([f]));
    }

    [Fact]
    public void Exemplar_without_labels_is_omitted_and_bucket_exemplars_are_written()
    {
        var f = Family("h", MetricType.Histogram, null, Series(m => m.Histogram = new Histogram
        {
            SampleCount = 2,
            SampleSum = 3,
            Bucket =
            {
                new Bucket { UpperBound = 1, CumulativeCount = 1, Exemplar = new Exemplar { Value = 0.5 } },
                new Bucket { UpperBound = 2, CumulativeCount = 2, Exemplar = new Exemplar { Value = 1.5, Label = { new LabelPair { Name = "t", Value = "x" } } } },
            },
        }));
        Assert.Equal(
            "# TYPE h histogram\nh_bucket{le=\"1.0\"} 1\nh_bucket{le=\"2.0\"} 2 # {t=\"x\"} 1.5\nh_bucket{le=\"+Inf\"} 2\nh_sum 3.0\nh_count 2\n# EOF\n",
            OpenMetricsWriter.WriteToString([f]));
    }

    [Fact]
    public void Unit_line_only_when_the_name_carries_the_unit()
    {
        var withSuffix = Family("duration_seconds", MetricType.Gauge, null, Series(m => m.Gauge = new Gauge { Value = 1 }));
        withSuffix.Unit = "seconds";
        var without = Family("duration", MetricType.Gauge, null, Series(m => m.Gauge = new Gauge { Value = 1 }));
        without.Unit = "seconds";
        Assert.Equal(
            "# TYPE duration_seconds gauge\n# UNIT duration_seconds seconds\nduration_seconds 1.0\n# TYPE duration gauge\nduration 1.0\n# EOF\n",
            OpenMetricsWriter.WriteToString([withSuffix, without]));
    }

    [Fact]
    public void Gauge_histogram_uses_gsum_and_gcount()
    {
        var f = Family("q", MetricType.GaugeHistogram, null, Series(m => m.Histogram = new Histogram
        {
            SampleCount = 4,
            SampleSum = 10,
            Bucket = { new Bucket { UpperBound = double.PositiveInfinity, CumulativeCount = 4 } },
        }));
        Assert.Equal(
            "# TYPE q gaugehistogram\nq_bucket{le=\"+Inf\"} 4\nq_gsum 10.0\nq_gcount 4\n# EOF\n",
            OpenMetricsWriter.WriteToString([f]));
    }
}
