using System.Globalization;
using System.Text;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Gateway;

/// <summary>
/// Checks a push on its own and sanitises it in place, as the reference does before it looks at
/// other groups: no timestamps; every series gets the grouping labels (overwriting the body's)
/// and <c>instance=""</c> if it has none; labels sorted; then the checks client_golang's gatherer
/// runs per series (type matches the value, label names valid and unique, no duplicate series, no
/// <c>_count</c>/<c>_sum</c>/<c>_bucket</c> clashes with a summary or histogram).
/// </summary>
public static class PushValidator
{
    /// <summary>Returns null when the push is valid (families then sanitised), else the reason.</summary>
    /// <param name="utf8Names">Label names may be any UTF-8 (<c>Gateway:EnableUtf8Names</c>).</param>
    public static string? ValidateAndSanitise(GroupingKey key, List<MetricFamily> families, bool utf8Names = false)
    {
        foreach (var family in families)
        {
            foreach (var metric in family.Metric)
            {
                if (metric.HasTimestampMs)
                {
                    return "pushed metrics must not have timestamps";
                }
            }
        }

        // The gateway sets its per-group gauges itself; pushed ones are overridden (dropped).
        families.RemoveAll(f => f.Name is TimestampGauges.PushTimeName or TimestampGauges.PushFailureTimeName or TimestampGauges.ExpiryTimeName);

        // One scratch list for all series: a push of 100,000 series must not allocate per series what it can reuse.
        var scratch = new List<LabelPair>();
        foreach (var family in families)
        {
            foreach (var metric in family.Metric)
            {
                Sanitise(key, metric, scratch);
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var names = new Dictionary<string, MetricType>(StringComparer.Ordinal);
        foreach (var family in families)
        {
            names[family.Name] = family.Type;
        }
        foreach (var family in families)
        {
            var error = CheckSuffixCollision(family, names) ?? CheckSeries(family, seen, utf8Names);
            if (error is not null)
            {
                return error;
            }
        }
        return null;
    }

    /// <summary>The name a <c>_count</c>/<c>_sum</c>/<c>_bucket</c> family would clash with, and the types that clash.</summary>
    public static IEnumerable<(string Name, MetricType[] Types)> SuffixClashCandidates(MetricFamily family)
    {
        var name = family.Name;
        if (name.EndsWith("_count", StringComparison.Ordinal))
        {
            yield return (name[..^6], [MetricType.Summary, MetricType.Histogram, MetricType.GaugeHistogram]);
        }
        if (name.EndsWith("_sum", StringComparison.Ordinal))
        {
            yield return (name[..^4], [MetricType.Summary, MetricType.Histogram, MetricType.GaugeHistogram]);
        }
        if (name.EndsWith("_bucket", StringComparison.Ordinal))
        {
            yield return (name[..^7], [MetricType.Histogram, MetricType.GaugeHistogram]);
        }
        if (family.Type is MetricType.Summary or MetricType.Histogram or MetricType.GaugeHistogram)
        {
            MetricType[] any = [MetricType.Counter, MetricType.Gauge, MetricType.Summary, MetricType.Untyped, MetricType.Histogram, MetricType.GaugeHistogram];
            yield return (name + "_count", any);
            yield return (name + "_sum", any);
            if (family.Type != MetricType.Summary)
            {
                yield return (name + "_bucket", any);
            }
        }
    }

    /// <summary>Identity of a series: name plus sorted label pairs, length-prefixed (injective, <see cref="LengthPrefixed"/>).</summary>
    public static string SeriesSignature(string name, Metric metric)
    {
        // Sized first and written once (no StringBuilder): pushes compute this for every series.
        var labels = metric.Label;
        var length = FieldLength(name);
        foreach (var label in labels)
        {
            length += FieldLength(label.Name) + FieldLength(label.Value);
        }
        return string.Create(length, (name, labels), static (span, state) =>
        {
            var at = WriteField(span, state.name);
            foreach (var label in state.labels)
            {
                at += WriteField(span[at..], label.Name);
                at += WriteField(span[at..], label.Value);
            }
        });
    }

    // The same text as LengthPrefixed.AppendField: decimal length, ':', the text.
    private static int FieldLength(string text) => DecimalDigits(text.Length) + 1 + text.Length;

    private static int WriteField(Span<char> span, string text)
    {
        text.Length.TryFormat(span, out var digits, default, CultureInfo.InvariantCulture);
        span[digits] = ':';
        text.AsSpan().CopyTo(span[(digits + 1)..]);
        return digits + 1 + text.Length;
    }

    private static int DecimalDigits(int value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }
        return digits;
    }

    /// <summary>How the reference quotes a series in its messages (close to Go's proto text).</summary>
    public static string Describe(string name, Metric metric)
    {
        var sb = new StringBuilder("collected metric \"").Append(name).Append("\" {");
        foreach (var label in metric.Label)
        {
            sb.Append(" label:{name:").Append(GroupingPathParser.GoQuote(label.Name)).Append(" value:").Append(GroupingPathParser.GoQuote(label.Value)).Append('}');
        }
        return sb.Append(" }").ToString();
    }

    public static bool ValueMatchesType(MetricType type, Metric metric) => type switch
    {
        MetricType.Counter => metric.Counter is not null,
        MetricType.Gauge => metric.Gauge is not null,
        MetricType.Summary => metric.Summary is not null,
        MetricType.Untyped => metric.Untyped is not null,
        MetricType.Histogram or MetricType.GaugeHistogram => metric.Histogram is not null,
        _ => false,
    };

    public static string TypeName(MetricType type) => type switch
    {
        MetricType.Counter => "COUNTER",
        MetricType.Gauge => "GAUGE",
        MetricType.Summary => "SUMMARY",
        MetricType.Untyped => "UNTYPED",
        MetricType.Histogram => "HISTOGRAM",
        MetricType.GaugeHistogram => "GAUGE_HISTOGRAM",
        _ => type.ToString().ToUpperInvariant(),
    };

    private static void Sanitise(GroupingKey key, Metric metric, List<LabelPair> scratch)
    {
        var labels = metric.Label;
        if (HasDuplicateNames(labels))
        {
            // Leave duplicates in place so CheckSeries reports them, as the reference does.
            return;
        }
        // The body's labels, those of the grouping key in their place (its values win), instance="" if
        // neither has one; sorted by name. New pairs, as before: a protobuf body's pairs may carry unknown fields.
        scratch.Clear();
        var hasInstance = false;
        foreach (var label in labels)
        {
            if (key.Has(label.Name))
            {
                continue;
            }
            hasInstance |= label.Name == GroupingKey.InstanceLabel;
            scratch.Add(new LabelPair { Name = label.Name, Value = label.Value });
        }
        foreach (var (name, value) in key.Labels)
        {
            hasInstance |= name == GroupingKey.InstanceLabel;
            scratch.Add(new LabelPair { Name = name, Value = value });
        }
        if (!hasInstance)
        {
            scratch.Add(new LabelPair { Name = GroupingKey.InstanceLabel, Value = string.Empty });
        }
        scratch.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        labels.Clear();
        labels.AddRange(scratch);
    }

    private static bool HasDuplicateNames(IReadOnlyList<LabelPair> labels)
    {
        if (labels.Count > 16)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var label in labels)
            {
                if (!names.Add(label.Name))
                {
                    return true;
                }
            }
            return false;
        }
        // A series has a few labels: comparing pairs beats building a set for each of 100,000 series.
        for (var i = 1; i < labels.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (labels[i].Name == labels[j].Name)
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>Sanitised labels are sorted already; only a series left with duplicates needs sorting.</summary>
    private static IEnumerable<LabelPair> SortedByName(IReadOnlyList<LabelPair> labels)
    {
        for (var i = 1; i < labels.Count; i++)
        {
            if (string.CompareOrdinal(labels[i - 1].Name, labels[i].Name) > 0)
            {
                return labels.OrderBy(l => l.Name, StringComparer.Ordinal);
            }
        }
        return labels;
    }

    private static string? CheckSeries(MetricFamily family, HashSet<string> seen, bool utf8Names)
    {
        foreach (var metric in family.Metric)
        {
            if (!ValueMatchesType(family.Type, metric))
            {
                return $"{Describe(family.Name, metric)} is not a {TypeName(family.Type)}";
            }
            string? previous = null;
            foreach (var label in SortedByName(metric.Label))
            {
                if (label.Name == previous)
                {
                    return $"{Describe(family.Name, metric)} has two or more labels with the same name: {label.Name}";
                }
                if (!LabelNames.IsValidPathLabel(label.Name, utf8Names))
                {
                    return $"{Describe(family.Name, metric)} has a label with an invalid name: {label.Name}";
                }
                if (metric.Summary is not null && label.Name == "quantile")
                {
                    return $"{Describe(family.Name, metric)} must not have an explicit \"quantile\" label";
                }
                if (metric.Histogram is not null && label.Name == "le")
                {
                    return $"{Describe(family.Name, metric)} must not have an explicit \"le\" label";
                }
                previous = label.Name;
            }
            if (!seen.Add(SeriesSignature(family.Name, metric)))
            {
                return $"{Describe(family.Name, metric)} was collected before with the same name and label values";
            }
        }
        return null;
    }

    private static string? CheckSuffixCollision(MetricFamily family, Dictionary<string, MetricType> names)
    {
        foreach (var (other, types) in SuffixClashCandidates(family))
        {
            if (names.TryGetValue(other, out var otherType) && types.Contains(otherType))
            {
                return $"collected metric named {GroupingPathParser.GoQuote(family.Name)} collides with previously collected {TypeName(family.Type is MetricType.Summary or MetricType.Histogram ? family.Type : otherType).ToLowerInvariant()} named {GroupingPathParser.GoQuote(family.Type is MetricType.Summary or MetricType.Histogram ? family.Name : other)}";
            }
        }
        return null;
    }
}
