using System.Globalization;
using System.Text;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Http.WebPage;

/// <summary>
/// The buckets of a native histogram on the page: a small bar chart (inline SVG: one bar per
/// populated bucket, from the most negative to the largest, heights relative to the fullest; each
/// bar's tooltip gives its interval and count) and, under it, the same buckets as a table of
/// boundaries. Inline SVG needs no style attribute, so the strict Content-Security-Policy holds.
/// </summary>
public static class NativeHistogramChart
{
    private const int Width = 320;
    private const int Height = 64;
    private const int MaxBars = 160;

    /// <summary>Appends the chart and table; nothing when no native bucket is populated.</summary>
    public static void Append(StringBuilder sb, Histogram histogram)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(histogram);
        if (!NativeHistogramBuckets.IsNative(histogram))
        {
            return;
        }
        var buckets = NativeHistogramBuckets.Buckets(histogram);
        if (buckets.Count == 0)
        {
            return;
        }
        var shown = buckets.Count <= MaxBars ? buckets : buckets.GetRange(0, MaxBars);
        var max = shown.Max(b => Math.Abs(b.Count));
        var barWidth = Math.Max(1.0, (double)Width / shown.Count);
        sb.Append("<svg class=\"native-chart\" role=\"img\" width=\"").Append(Width).Append("\" height=\"").Append(Height)
          .Append("\" viewBox=\"0 0 ").Append(Width).Append(' ').Append(Height).Append("\" aria-label=\"Native histogram buckets, ")
          .Append(shown.Count).Append(" bars\">");
        for (var i = 0; i < shown.Count; i++)
        {
            var bucket = shown[i];
            var height = max > 0 && double.IsFinite(bucket.Count) ? Math.Max(1, Math.Abs(bucket.Count) / max * (Height - 2)) : 1;
            sb.Append("<rect fill=\"currentColor\" x=\"").Append(Number(i * barWidth)).Append("\" y=\"").Append(Number(Height - height))
              .Append("\" width=\"").Append(Number(Math.Max(0.5, barWidth - 1))).Append("\" height=\"").Append(Number(height))
              .Append("\"><title>").Append(WebPageRenderer.Encode(Interval(bucket))).Append(": ")
              .Append(WebPageRenderer.Encode(WebPageRenderer.Value(bucket.Count))).Append("</title></rect>");
        }
        sb.Append("</svg>\n");
        if (shown.Count < buckets.Count)
        {
            sb.Append("<p class=\"native\">First ").Append(MaxBars).Append(" of ").Append(buckets.Count).Append(" buckets drawn.</p>\n");
        }
        sb.Append("<table class=\"buckets native-buckets\">\n<thead><tr><th scope=\"col\">Bucket</th><th scope=\"col\" class=\"num\">Count</th></tr></thead>\n<tbody>\n");
        foreach (var bucket in buckets)
        {
            sb.Append("<tr><td class=\"num\">").Append(WebPageRenderer.Encode(Interval(bucket))).Append("</td><td class=\"num value\">")
              .Append(WebPageRenderer.Encode(WebPageRenderer.Value(bucket.Count))).Append("</td></tr>\n");
        }
        sb.Append("</tbody>\n</table>\n");
    }

    /// <summary>Interval notation: <c>(1, 2]</c> for a positive bucket, <c>[-2, -1)</c> negative, <c>[-t, t]</c> the zero bucket.</summary>
    public static string Interval(NativeBucket bucket)
    {
        var (open, close) = bucket.Boundaries switch
        {
            BucketBoundaries.LeftOpen => ('(', ']'),
            BucketBoundaries.RightOpen => ('[', ')'),
            BucketBoundaries.Closed => ('[', ']'),
            _ => ('(', ')'),
        };
        return $"{open}{WebPageRenderer.Value(bucket.Lower)}, {WebPageRenderer.Value(bucket.Upper)}{close}";
    }

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
