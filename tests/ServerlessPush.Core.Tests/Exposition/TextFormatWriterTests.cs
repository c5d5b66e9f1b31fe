using System.Text;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Metrics;
using static ServerlessPush.Core.Tests.Exposition.GoldenFixture;

namespace ServerlessPush.Core.Tests.Exposition;

public class TextFormatWriterTests
{
    [Fact]
    public void Scrape_of_the_golden_groups_matches_reference_1_5_1_byte_for_byte()
    {
        // Both group orders: the reference merges in random map order and the result must not depend on it.
        var forward = FamilyMerger.ForScrape([GoldenGroups.Group1(), GoldenGroups.Group2()]);
        var backward = FamilyMerger.ForScrape([GoldenGroups.Group2(), GoldenGroups.Group1()]);

        Assert.Equal(ReferenceGoldens.Scrape, TextFormatWriter.WriteToString(forward));
        Assert.Equal(ReferenceGoldens.Scrape, TextFormatWriter.WriteToString(backward));
    }

    [Fact]
    public async Task WriteAsync_streams_the_same_bytes_as_the_sync_writer()
    {
        var families = FamilyMerger.ForScrape([GoldenGroups.Group1(), GoldenGroups.Group2()]);
        using var stream = new MemoryStream();
        await TextFormatWriter.WriteAsync(stream, families);
        Assert.Equal(ReferenceGoldens.Scrape, Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public async Task Large_scrape_is_flushed_in_pieces_and_complete()
    {
        var family = Family("big", MetricType.Gauge, null,
            Enumerable.Range(0, 20000).Select(i => Series(m => m.Gauge = new Gauge { Value = i }, ("i", i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture)))).ToArray());
        var stream = new CountingStream();
        await TextFormatWriter.WriteAsync(stream, [family]);

        var text = Encoding.UTF8.GetString(stream.ToArray());
        Assert.StartsWith("# TYPE big gauge\nbig{i=\"00000\"} 0\nbig{i=\"00001\"} 1\n", text, StringComparison.Ordinal);
        Assert.EndsWith("big{i=\"19999\"} 19999\n", text, StringComparison.Ordinal);
        Assert.True(stream.Writes > 5, $"expected several flushes, got {stream.Writes}");
    }

    [Fact]
    public void Histogram_gets_inf_bucket_with_total_and_le_formatted_as_go_float()
    {
        var f = Family("h", MetricType.Histogram, null, Series(m => m.Histogram = new Histogram
        {
            SampleCount = 5,
            SampleSum = 0.25,
            Bucket = { new Bucket { UpperBound = 1.0, CumulativeCount = 2 }, new Bucket { UpperBound = 2.5e-5, CumulativeCount = 3 } },
        }));
        Assert.Equal(
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2.5e-05\"} 3\nh_bucket{le=\"+Inf\"} 5\nh_sum 0.25\nh_count 5\n",
            TextFormatWriter.WriteToString([f]));
    }

    [Fact]
    public void Gauge_histogram_is_written_as_histogram_and_float_counts_are_used()
    {
        var f = Family("gh", MetricType.GaugeHistogram, "x", Series(m => m.Histogram = new Histogram
        {
            SampleCountFloat = 2.5,
            Bucket = { new Bucket { UpperBound = 1, CumulativeCountFloat = 1.5 } },
        }));
        Assert.Equal(
            "# HELP gh x\n# TYPE gh histogram\ngh_bucket{le=\"1\"} 1.5\ngh_bucket{le=\"+Inf\"} 2.5\ngh_sum 0\ngh_count 2.5\n",
            TextFormatWriter.WriteToString([f]));
    }

    [Fact]
    public void Summary_quantile_label_comes_after_stored_labels_in_stored_order()
    {
        var f = Family("s", MetricType.Summary, null, Series(m => m.Summary = new Summary
        {
            Quantile = { new Quantile { Quantile_ = 0.9, Value = 3 } },
        }, ("z", "1"), ("a", "2")));
        Assert.Equal(
            "# TYPE s summary\ns{z=\"1\",a=\"2\",quantile=\"0.9\"} 3\ns_sum{z=\"1\",a=\"2\"} 0\ns_count{z=\"1\",a=\"2\"} 0\n",
            TextFormatWriter.WriteToString([f]));
    }

    [Fact]
    public void Escapes_help_and_label_values_differently()
    {
        var f = Family("e", MetricType.Untyped, "a\\b\nc\"d", Series(m => m.Untyped = new Untyped { Value = -0.0 }, ("l", "a\\b\nc\"d")));
        Assert.Equal(
            "# HELP e a\\\\b\\nc\"d\n# TYPE e untyped\ne{l=\"a\\\\b\\nc\\\"d\"} 0\n",
            TextFormatWriter.WriteToString([f]));
    }

    [Fact]
    public void Missing_value_for_the_type_is_an_error()
    {
        var f = Family("c", MetricType.Counter, null, Series(m => m.Gauge = new Gauge { Value = 1 }));
        var e = Assert.Throws<InvalidOperationException>(() => TextFormatWriter.WriteToString([f]));
        Assert.Equal("expected counter in metric c", e.Message);
    }

    private sealed class CountingStream : MemoryStream
    {
        public int Writes { get; private set; }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Writes++;
            return base.WriteAsync(buffer, offset, count, cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            return base.WriteAsync(buffer, cancellationToken);
        }
    }
}
