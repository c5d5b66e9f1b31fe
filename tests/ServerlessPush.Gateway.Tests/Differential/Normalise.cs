using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ServerlessPush.Gateway.Tests.Differential;

/// <summary>Makes the two servers' answers comparable: times become placeholders, the reference's own metrics go.</summary>
public static partial class Normalise
{
    public const string Time = "<time>";

    private static readonly string[] OwnPrefixes = ["go_", "process_", "pushgateway_"];

    /// <summary>
    /// A text scrape without the reference's own families (go_*, process_*, pushgateway_*), with non-zero
    /// push_time_seconds / push_failure_time_seconds values replaced by a placeholder, and without the
    /// timestamp series of <paramref name="ghostSeriesLabels"/> (see <see cref="GhostGroups"/>).
    /// </summary>
    public static string Scrape(string text, IReadOnlyCollection<string>? ghostSeriesLabels = null)
    {
        var lines = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var name = MetricName(line);
            if (name is not null && OwnPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
            {
                continue;
            }
            var match = TimestampSample().Match(line);
            if (match.Success)
            {
                if (ghostSeriesLabels is not null && ghostSeriesLabels.Contains(match.Groups["labels"].Value))
                {
                    continue;
                }
                if (match.Groups["value"].Value != "0")
                {
                    lines.Add($"{match.Groups["name"].Value}{match.Groups["labels"].Value} {Time}");
                    continue;
                }
            }
            lines.Add(line);
        }
        if (ghostSeriesLabels is { Count: > 0 })
        {
            // A timestamp family left with no series loses its HELP and TYPE lines too.
            foreach (var family in new[] { "push_time_seconds", "push_failure_time_seconds" })
            {
                if (!lines.Any(l => l.StartsWith(family + "{", StringComparison.Ordinal)))
                {
                    lines.RemoveAll(l => l.StartsWith($"# HELP {family} ", StringComparison.Ordinal) || l.StartsWith($"# TYPE {family} ", StringComparison.Ordinal));
                }
            }
        }
        return string.Join('\n', lines);
    }

    /// <summary>
    /// /api/v1/metrics as canonical JSON: groups sorted by their labels, every time_stamp/timestamp and
    /// every non-zero timestamp-gauge value replaced by a placeholder, <c>last_failure</c> left out. Groups for which
    /// <paramref name="dropGroup"/> is true are left out.
    /// </summary>
    public static string ApiJson(string json, Func<JsonObject, bool>? dropGroup = null)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        if (root["data"] is JsonArray data)
        {
            var groups = data.Select(g => g!.AsObject()).Where(g => dropGroup is null || !dropGroup(g)).ToList();
            foreach (var group in groups)
            {
                // ServerlessPush's addition (the last rejected push's reason), which the reference has not.
                group.Remove("last_failure");
                foreach (var (key, value) in group.ToList())
                {
                    if (value is not JsonObject family)
                    {
                        continue;
                    }
                    if (family["time_stamp"] is not null)
                    {
                        family["time_stamp"] = Time;
                    }
                    if (key is "push_time_seconds" or "push_failure_time_seconds" && family["metrics"] is JsonArray metrics)
                    {
                        foreach (var metric in metrics.OfType<JsonObject>())
                        {
                            if (metric["value"]?.GetValue<string>() is { } v && v != "0")
                            {
                                metric["value"] = Time;
                            }
                        }
                    }
                }
            }
            var sorted = new JsonArray();
            foreach (var group in groups.OrderBy(g => g["labels"]?.ToJsonString(), StringComparer.Ordinal))
            {
                data.Remove(group);
                sorted.Add(group);
            }
            root["data"] = sorted;
        }
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// KNOWN DIFFERENCE (1): the reference creates a group for a push it rejects (consistency or
    /// timestamps), with push_time_seconds 0; the gateway does not store anything for a group that did
    /// not exist. Such groups never had a successful push; they are left out of the reference's answers
    /// before comparing, so the gateway must have no such group at all.
    /// </summary>
    public static bool IsGhostGroup(JsonObject group) =>
        group["push_time_seconds"]?["metrics"] is JsonArray metrics
        && metrics.OfType<JsonObject>().All(m => m["value"]?.GetValue<string>() == "0");

    /// <summary>The label sets (as written in a scrape) of the timestamp series of the reference's ghost groups.</summary>
    public static IReadOnlyCollection<string> GhostGroups(string referenceApiJson)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var root = JsonNode.Parse(referenceApiJson)!.AsObject();
        foreach (var group in (root["data"] as JsonArray ?? []).OfType<JsonObject>().Where(IsGhostGroup))
        {
            var labels = group["labels"]!.AsObject().ToDictionary(l => l.Key, l => l.Value!.GetValue<string>(), StringComparer.Ordinal);
            labels.TryAdd("instance", "");
            var text = string.Join(',', labels.OrderBy(l => l.Key, StringComparer.Ordinal)
                .Select(l => $"{l.Key}=\"{l.Value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")}\""));
            result.Add("{" + text + "}");
        }
        return result;
    }

    /// <summary>
    /// The kind of a consistency rejection. The reference prints the offending series in Go's proto text
    /// format with random spacing and picks the "first" group in random map order, so only the prefix
    /// and the kind are compared.
    /// </summary>
    public static string? ConsistencyKind(string body)
    {
        const string prefix = "pushed metrics are invalid or inconsistent with existing metrics: ";
        if (!body.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }
        string[] kinds =
        [
            "pushed metrics must not have timestamps",
            "was collected before with the same name and label values",
            "has a label with an invalid name",
            "has two or more labels with the same name",
            "collides with previously collected",
            "must not have an explicit",
            "whose value is not utf8",
            "should have",
        ];
        foreach (var kind in kinds)
        {
            if (body.Contains(kind, StringComparison.Ordinal))
            {
                return prefix + "… " + kind;
            }
        }
        var notA = NotAType().Match(body);
        return notA.Success ? prefix + "… is not a <TYPE>" : prefix + "<unclassified> " + body[prefix.Length..];
    }

    private static string? MetricName(string line)
    {
        var trimmed = line;
        if (trimmed.StartsWith("# HELP ", StringComparison.Ordinal) || trimmed.StartsWith("# TYPE ", StringComparison.Ordinal))
        {
            trimmed = trimmed[7..];
        }
        var end = trimmed.IndexOfAny(['{', ' ']);
        return end <= 0 ? null : trimmed[..end];
    }

    [GeneratedRegex("^(?<name>push_time_seconds|push_failure_time_seconds)(?<labels>\\{.*\\}) (?<value>\\S+)$")]
    private static partial Regex TimestampSample();

    [GeneratedRegex("is not a [A-Z_]+")]
    private static partial Regex NotAType();
}
