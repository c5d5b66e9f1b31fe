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

        foreach (var family in families)
        {
            foreach (var metric in family.Metric)
            {
                Sanitise(key, metric);
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
        var sb = new StringBuilder().AppendField(name);
        foreach (var label in metric.Label)
        {
            sb.AppendField(label.Name).AppendField(label.Value);
        }
        return sb.ToString();
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

    private static void Sanitise(GroupingKey key, Metric metric)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var duplicate = false;
        foreach (var label in metric.Label)
        {
            duplicate |= !labels.TryAdd(label.Name, label.Value);
        }
        if (duplicate)
        {
            // Leave duplicates in place so CheckSeries reports them, as the reference does.
            return;
        }
        foreach (var (name, value) in key.Labels)
        {
            labels[name] = value;
        }
        labels.TryAdd(GroupingKey.InstanceLabel, string.Empty);
        metric.Label.Clear();
        foreach (var (name, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            metric.Label.Add(new LabelPair { Name = name, Value = value });
        }
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
            foreach (var label in metric.Label.OrderBy(l => l.Name, StringComparer.Ordinal))
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
