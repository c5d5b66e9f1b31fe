using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Gateway;

/// <summary>
/// Limits on the shape of one push (configuration section <c>Gateway:Limits</c>, app settings
/// <c>Gateway__Limits__…</c>). Checked before anything is read from or written to storage: a push
/// over a limit is answered 413 (too many series) or 400 (the others) and leaves no trace.
/// A value of 0 or less switches that limit off.
/// </summary>
public sealed class PushLimits
{
    /// <summary>Series (metrics, counted as the parser creates them) in one push. Also caps the families a body may declare.</summary>
    public int MaxSeriesPerPush { get; set; } = 100_000;

    /// <summary>
    /// Metric families (names) in one push (413 above, before any storage call). Each name costs about
    /// three storage calls in the name index whenever this instance has not checked it within the last
    /// minute, so this bounds the storage work of one push: at the default, about 3,000 calls, run
    /// <see cref="GatewayOptions.MaxStorageCallsPerRequest"/> at a time within the request deadline.
    /// </summary>
    public int MaxFamiliesPerPush { get; set; } = 1_000;

    /// <summary>Labels of one series as pushed (before the grouping labels and <c>instance</c> are added).</summary>
    public int MaxLabelsPerSeries { get; set; } = 64;

    /// <summary>Characters in a label name, in the body or the grouping key.</summary>
    public int MaxLabelNameLength { get; set; } = 256;

    /// <summary>Characters in a label value, in the body or the grouping key.</summary>
    public int MaxLabelValueLength { get; set; } = 4096;

    /// <summary>Characters in a metric (family) name.</summary>
    public int MaxMetricNameLength { get; set; } = 256;

    /// <summary>Labels of the grouping key, <c>job</c> included.</summary>
    public int MaxGroupingLabels { get; set; } = 16;

    /// <summary>The parser's cut-off for series: <see cref="MaxSeriesPerPush"/>, or no limit.</summary>
    public int ParserSeriesLimit => MaxSeriesPerPush > 0 ? MaxSeriesPerPush : int.MaxValue;
}

/// <summary>Checks a grouping key and parsed families against <see cref="PushLimits"/>.</summary>
public static class PushLimitChecker
{
    /// <summary>Null when the grouping key is within the limits, else the 400.</summary>
    public static Rejection? CheckGroupingKey(GroupingKey key, PushLimits limits) =>
        GroupingKeyError(key, limits) is { } error ? Rejection.BadRequest(error, RejectionReason.Limits) : null;

    /// <summary>Null when the families are within the limits, else the 400 (an invalid metric name is a parse error).</summary>
    public static Rejection? CheckFamilies(IReadOnlyList<MetricFamily> families, PushLimits limits, bool utf8Names = false) =>
        FamiliesError(families, limits, utf8Names) is { } error
            ? Rejection.BadRequest(error, error.EndsWith(InvalidNameSuffix, StringComparison.Ordinal) ? RejectionReason.Parse : RejectionReason.Limits)
            : null;

    private const string InvalidNameSuffix = " is not a valid metric name";

    private static string? GroupingKeyError(GroupingKey key, PushLimits limits)
    {
        if (limits.MaxGroupingLabels > 0 && key.Labels.Count > limits.MaxGroupingLabels)
        {
            return $"grouping key has {key.Labels.Count} labels, more than the limit of {limits.MaxGroupingLabels}";
        }
        foreach (var (name, value) in key.Labels)
        {
            var error = CheckLabel(null, name, value, limits);
            if (error is not null)
            {
                return error;
            }
        }
        return null;
    }

    /// <summary>Null when the families are within the limits, else the reason (the series count is the parser's job, but is checked again here).</summary>
    private static string? FamiliesError(IReadOnlyList<MetricFamily> families, PushLimits limits, bool utf8Names)
    {
        long series = 0;
        foreach (var family in families)
        {
            if (limits.MaxMetricNameLength > 0 && family.Name.Length > limits.MaxMetricNameLength)
            {
                return $"metric name {Abbreviate(family.Name)} is longer than the limit of {limits.MaxMetricNameLength} characters";
            }
            if (!LabelNames.IsValidMetricName(family.Name, utf8Names))
            {
                // The text parser cannot produce one; a protobuf body can (NUL bytes, spaces, braces),
                // and it would corrupt every scrape of the gateway.
                return Abbreviate(family.Name) + InvalidNameSuffix;
            }
            series += family.Metric.Count;
            if (limits.MaxSeriesPerPush > 0 && series > limits.MaxSeriesPerPush)
            {
                return SeriesLimitMessage(limits.MaxSeriesPerPush);
            }
            foreach (var metric in family.Metric)
            {
                if (limits.MaxLabelsPerSeries > 0 && metric.Label.Count > limits.MaxLabelsPerSeries)
                {
                    return $"a series of metric {Abbreviate(family.Name)} has {metric.Label.Count} labels, more than the limit of {limits.MaxLabelsPerSeries}";
                }
                foreach (var label in metric.Label)
                {
                    var error = CheckLabel(family.Name, label.Name, label.Value, limits);
                    if (error is not null)
                    {
                        return error;
                    }
                }
            }
        }
        return null;
    }

    public static string SeriesLimitMessage(int limit) => $"push has more than the limit of {limit} series";

    /// <summary>Null when the push has few enough families for its index checks (413 otherwise, before any storage call).</summary>
    public static Rejection? CheckFamilyCount(IReadOnlyList<MetricFamily> families, PushLimits limits) =>
        limits.MaxFamiliesPerPush > 0 && families.Count > limits.MaxFamiliesPerPush
            ? Rejection.TooLarge($"push has {families.Count} metric families, more than the limit of {limits.MaxFamiliesPerPush} (setting Gateway__Limits__MaxFamiliesPerPush): each name is checked in the name index; push fewer names at once")
            : null;

    /// <param name="family">The series' metric name, or null for a label of the grouping key.</param>
    private static string? CheckLabel(string? family, string name, string value, PushLimits limits)
    {
        // Where the label is, named only for the message: checked for every label of every series.
        string Where() => family is null ? "grouping key" : $"metric {Abbreviate(family)}";
        if (limits.MaxLabelNameLength > 0 && name.Length > limits.MaxLabelNameLength)
        {
            return $"{Where()}: label name {Abbreviate(name)} is longer than the limit of {limits.MaxLabelNameLength} characters";
        }
        if (limits.MaxLabelValueLength > 0 && value.Length > limits.MaxLabelValueLength)
        {
            return $"{Where()}: value of label {Abbreviate(name)} is longer than the limit of {limits.MaxLabelValueLength} characters";
        }
        return null;
    }

    /// <summary>Quotes a name, cut to 64 characters, so an error message never echoes a huge input.</summary>
    private static string Abbreviate(string s) =>
        GroupingPathParser.GoQuote(s.Length <= 64 ? s : s[..64] + "…");
}
