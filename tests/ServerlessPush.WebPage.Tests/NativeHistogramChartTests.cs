using System.Text.RegularExpressions;
using RazorSlices;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Http.WebPage;

namespace ServerlessPush.WebPage.Tests;

/// <summary>The bar chart and boundary table of a native histogram on the page.</summary>
public sealed class NativeHistogramChartTests
{
    private static Histogram Sample() => new()
    {
        SampleCount = 10,
        Schema = 0,
        ZeroThreshold = 0.5,
        ZeroCount = 2,
        NegativeSpan = { new BucketSpan { Offset = 1, Length = 1 } },
        NegativeDelta = { 1 },
        PositiveSpan = { new BucketSpan { Offset = 0, Length = 3 } },
        PositiveDelta = { 3, -3, 4 }, // 3, 0 (left out), 4
    };

    [Fact]
    public async Task One_bar_per_populated_bucket_with_its_interval_and_a_boundary_table()
    {
        var html = await NativeHistogramChart.Create(Sample()).RenderAsync(WebPageRenderer.Encoder);

        var titles = Regex.Matches(html, "<title>([^<]*)</title>").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["[-2, -1): 1", "[-0.5, 0.5]: 2", "(0.5, 1]: 3", "(2, 4]: 4"], titles);
        // The fullest bucket is the tallest bar; heights follow the counts.
        var heights = Regex.Matches(html, "<rect [^>]*height=\"([0-9.]+)\"").Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(4, heights.Count);
        Assert.Equal(62, heights[3]);
        Assert.True(heights[0] < heights[1] && heights[1] < heights[2] && heights[2] < heights[3]);
        Assert.DoesNotContain("style=", html, StringComparison.Ordinal); // the CSP allows no inline style
        Assert.Contains("<td class=\"num\">(2, 4]</td><td class=\"num value\">4</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nothing_for_a_classic_histogram()
    {
        var html = await NativeHistogramChart.Create(new Histogram { SampleCount = 1, Bucket = { new Bucket { UpperBound = 1, CumulativeCount = 1 } } }).RenderAsync(WebPageRenderer.Encoder);
        Assert.Equal(string.Empty, html);
    }
}
