using System.Buffers;
using System.Globalization;
using System.Text.Json;
using ServerlessPush.Core.Api;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Core.Tests.Exposition;

/// <summary>
/// Native histogram buckets in <c>/api/v1/metrics</c> (asserted against pushgateway api/v1/api_test.go,
/// 1.8+/1.10+) and as classic buckets for text scrapers (<c>Gateway:Scrape:NativeHistogramsAsClassic</c>).
/// </summary>
public class NativeHistogramBucketsTests
{
    private static Histogram IntNative() => new()
    {
        SampleCount = 20,
        SampleSum = 99.23,
        Schema = 1,
        NegativeDelta = { 0, 2, -2, 0 },
        PositiveDelta = { 0, 2, -2, 0 },
        PositiveSpan = { new BucketSpan { Offset = 0, Length = 2 }, new BucketSpan { Offset = 0, Length = 2 } },
        NegativeSpan = { new BucketSpan { Offset = 0, Length = 2 }, new BucketSpan { Offset = 0, Length = 2 } },
    };

    private static Histogram FloatNative() => new()
    {
        SampleCountFloat = 20,
        SampleSum = 99.23,
        Schema = 1,
        NegativeCount = { 2, 2, -2, 0 },
        PositiveCount = { 2, 2, -2, 0 },
        PositiveSpan = { new BucketSpan { Offset = 0, Length = 2 }, new BucketSpan { Offset = 0, Length = 2 } },
        NegativeSpan = { new BucketSpan { Offset = 0, Length = 2 }, new BucketSpan { Offset = 0, Length = 2 } },
    };

    private static JsonElement ApiMetric(Histogram h)
    {
        var family = new MetricFamily { Name = "mfh", Type = MetricType.Histogram };
        var metric = new Metric { Histogram = h };
        metric.Label.Add(new LabelPair { Name = "job", Value = "j" });
        family.Metric.Add(metric);
        var group = new MetricGroup(GroupingKey.ForJob("j"), [new PushedFamily(family, DateTimeOffset.UnixEpoch)], DateTimeOffset.UnixEpoch, null);
        var buffer = new ArrayBufferWriter<byte>();
        MetricsApiWriter.WriteGroup(buffer, group);
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.GetProperty("mfh").GetProperty("metrics")[0].Clone();
    }

    /// <summary>Upstream prints 2^0.5 from its float64 table as 1.414213562373095; ours may differ in the last digit.</summary>
    private static void AssertBucket(JsonElement bucket, int boundaries, double lower, double upper, string count)
    {
        Assert.Equal(JsonValueKind.Number, bucket[0].ValueKind);
        Assert.Equal(boundaries, bucket[0].GetInt32());
        Assert.Equal(lower, double.Parse(bucket[1].GetString()!, CultureInfo.InvariantCulture), 1e-15);
        Assert.Equal(upper, double.Parse(bucket[2].GetString()!, CultureInfo.InvariantCulture), 1e-15);
        Assert.Equal(count, bucket[3].GetString());
    }

    [Fact]
    public void Api_int_native_histogram_as_upstream()
    {
        var m = ApiMetric(IntNative());
        Assert.Equal("20", m.GetProperty("count").GetString());
        Assert.Equal("99.23", m.GetProperty("sum").GetString());
        var buckets = m.GetProperty("buckets");
        Assert.Equal(2, buckets.GetArrayLength());
        AssertBucket(buckets[0], 1, -1.414213562373095, -1, "2");
        AssertBucket(buckets[1], 0, 1, 1.414213562373095, "2");
        Assert.Equal("-1", buckets[0][2].GetString()); // powers of two are exact
        Assert.Equal("1", buckets[1][1].GetString());
    }

    [Fact]
    public void Api_float_native_histogram_as_upstream()
    {
        var m = ApiMetric(FloatNative());
        Assert.Equal("20", m.GetProperty("count").GetString());
        var b = m.GetProperty("buckets");
        Assert.Equal(6, b.GetArrayLength());
        AssertBucket(b[0], 1, -2, -1.414213562373095, "-2");
        AssertBucket(b[1], 1, -1.414213562373095, -1, "2");
        AssertBucket(b[2], 1, -1, -0.7071067811865475, "2");
        AssertBucket(b[3], 0, 0.7071067811865475, 1, "2");
        AssertBucket(b[4], 0, 1, 1.414213562373095, "2");
        AssertBucket(b[5], 0, 1.414213562373095, 2, "-2");
    }

    [Fact]
    public void Api_zero_bucket_is_closed_and_classic_histograms_keep_the_map()
    {
        var h = new Histogram { SampleCount = 3, Schema = 0, ZeroThreshold = 0.001, ZeroCount = 1, PositiveSpan = { new BucketSpan { Offset = 2, Length = 1 } }, PositiveDelta = { 2 } };
        var b = ApiMetric(h).GetProperty("buckets");
        Assert.Equal("[[3,\"-0.001\",\"0.001\",\"1\"],[0,\"2\",\"4\",\"2\"]]", b.GetRawText());
        var classic = new Histogram { SampleCount = 1, Bucket = { new Bucket { UpperBound = 5, CumulativeCount = 1 } } };
        Assert.Equal("{\"5\":\"1\"}", ApiMetric(classic).GetProperty("buckets").GetRawText());
    }

    [Theory]
    [InlineData(0, 0, 1.0)]
    [InlineData(1, 0, 2.0)]
    [InlineData(-1, 0, 0.5)]
    [InlineData(3, -1, 64.0)]
    [InlineData(2, 1, 2.0)]
    [InlineData(-4, 2, 0.5)]
    [InlineData(8, 3, 2.0)]
    [InlineData(1024, 0, double.MaxValue)] // the last finite bucket ends at the largest power of two
    public void Bounds_at_powers_of_two_are_exact(int index, int schema, double expected)
    {
        var bound = NativeHistogramBuckets.Bound(index, schema);
        if (expected == double.MaxValue)
        {
            Assert.Equal(Math.ScaleB(1, 1023), bound);
            return;
        }
        Assert.Equal(expected, bound);
    }

    [Fact]
    public void Classic_buckets_for_text_scrapers_are_cumulative_with_the_zero_bucket_and_Inf()
    {
        var h = new Histogram
        {
            SampleCount = 10,
            SampleSum = 7,
            Schema = 0,
            ZeroThreshold = 0.5,
            ZeroCount = 2,
            NegativeSpan = { new BucketSpan { Offset = 1, Length = 1 } }, // bucket 1: [-2, -1)
            NegativeDelta = { 1 },
            PositiveSpan = { new BucketSpan { Offset = 0, Length = 3 } }, // (0.5,1], (1,2], (2,4]
            PositiveDelta = { 3, -3, 4 }, // counts 3, 0, 4
        };
        var family = new MetricFamily { Name = "lat", Type = MetricType.Histogram, Metric = { new Metric { Histogram = h } } };
        var converted = NativeHistogramBuckets.WithClassicBuckets(family);
        Assert.NotSame(family, converted);
        Assert.Empty(family.Metric[0].Histogram.Bucket); // the stored family is untouched
        Assert.Equal(
            "# TYPE lat histogram\n" +
            "lat_bucket{le=\"-1\"} 1\n" +
            "lat_bucket{le=\"0.5\"} 3\n" +
            "lat_bucket{le=\"1\"} 6\n" +
            "lat_bucket{le=\"4\"} 10\n" +
            "lat_bucket{le=\"+Inf\"} 10\n" +
            "lat_sum 7\nlat_count 10\n",
            TextFormatWriter.WriteToString([converted]));
        // Off (the default): only +Inf, _sum and _count, as the Pushgateway.
        Assert.Equal("# TYPE lat histogram\nlat_bucket{le=\"+Inf\"} 10\nlat_sum 7\nlat_count 10\n", TextFormatWriter.WriteToString([family]));
    }

    [Fact]
    public void Classic_buckets_keep_float_counts_and_leave_pushed_classic_buckets_alone()
    {
        var family = new MetricFamily { Name = "f", Type = MetricType.Histogram, Metric = { new Metric { Histogram = FloatNative() } } };
        var text = TextFormatWriter.WriteToString([NativeHistogramBuckets.WithClassicBuckets(family)]);
        Assert.Contains("f_bucket{le=\"-1\"} 0\nf_bucket{le=\"-0.7071067811865", text, StringComparison.Ordinal);
        Assert.EndsWith("f_bucket{le=\"2\"} 4\nf_bucket{le=\"+Inf\"} 20\nf_sum 99.23\nf_count 20\n", text, StringComparison.Ordinal);

        var both = IntNative();
        both.Bucket.Add(new Bucket { UpperBound = 10, CumulativeCount = 20 });
        var mixed = new MetricFamily { Name = "m", Type = MetricType.Histogram, Metric = { new Metric { Histogram = both } } };
        Assert.Same(mixed, NativeHistogramBuckets.WithClassicBuckets(mixed));
        var gauge = new MetricFamily { Name = "g", Type = MetricType.Gauge, Metric = { new Metric { Gauge = new Gauge() } } };
        Assert.Same(gauge, NativeHistogramBuckets.WithClassicBuckets(gauge));
    }
}
