using System.Text;

namespace ServerlessPush.Core.Grouping;

/// <summary>
/// Turns the part of a push URL after <c>/metrics/</c> into a <see cref="GroupingKey"/>, with the
/// reference Pushgateway's rules and messages (handler/push.go <c>splitLabels</c>): <c>job</c> or
/// <c>job@base64</c>, then <c>/name/value</c> pairs, <c>name@base64</c> for encoded values.
/// </summary>
public static class GroupingPathParser
{
    /// <summary>
    /// Parses <paramref name="jobSegment"/> (the job, still base64 if <paramref name="jobIsBase64"/>) and
    /// <paramref name="labels"/> (everything after the job, including its leading '/', or empty).
    /// Returns the key, or an error message the reference would answer with a 400.
    /// With <paramref name="utf8Names"/> (<c>Gateway:EnableUtf8Names</c>, Pushgateway 1.11's
    /// <c>--push.enable-utf8-names</c>) a label name may be any UTF-8 and a <c>U__</c> name is
    /// decoded (<see cref="NameEscaping.UnescapeValues"/>); the reserved <c>__</c> prefix
    /// is refused on the name as written and, unlike upstream, also on the decoded name (a path
    /// label <c>__name__</c> would rename every series of the group).
    /// </summary>
    public static GroupingParseResult Parse(string jobSegment, bool jobIsBase64, string labels, bool utf8Names = false)
    {
        var job = jobSegment;
        if (jobIsBase64)
        {
            if (!Base64Value.TryDecode(jobSegment, out job, out var error, out var partial))
            {
                return GroupingParseResult.Fail($"invalid base64 encoding in job name {GoQuote(partial)}: {error}");
            }
        }

        var pairs = new List<KeyValuePair<string, string>>();
        if (labels.Length > 0 && labels != "/")
        {
            var parts = labels[1..].Split('/');
            if (parts.Length % 2 != 0)
            {
                return GroupingParseResult.Fail($"odd number of components in label string {GoQuote(labels)}");
            }
            for (var i = 0; i < parts.Length; i += 2)
            {
                var name = parts[i];
                var value = parts[i + 1];
                var encoded = name.EndsWith("@base64", StringComparison.Ordinal);
                if (encoded)
                {
                    name = name[..^"@base64".Length];
                }
                var labelName = utf8Names ? NameEscaping.UnescapeValues(name) : name;
                if (!LabelNames.IsValidPathLabel(labelName, utf8Names) || name.StartsWith("__", StringComparison.Ordinal))
                {
                    return GroupingParseResult.Fail($"improper label name {GoQuote(name)}");
                }
                if (encoded && !Base64Value.TryDecode(value, out value, out var error, out _))
                {
                    return GroupingParseResult.Fail($"invalid base64 encoding for label {name}={GoQuote(parts[i + 1])}: {error}");
                }
                pairs.Add(KeyValuePair.Create(labelName, value));
            }
        }

        if (job.Length == 0)
        {
            return GroupingParseResult.Fail("job name is required");
        }
        // The job from the path wins over a job label in the label part, as in the reference.
        pairs.Add(KeyValuePair.Create(GroupingKey.JobLabel, job));
        return GroupingParseResult.Ok(GroupingKey.Create(pairs));
    }

    /// <summary>Go's %q for the strings that occur here (printable ASCII and UTF-8 kept, the rest escaped).</summary>
    public static string GoQuote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var rune in s.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case 0xFFFD: sb.Append("\\ufffd"); break;
                default:
                    if (rune.Value < 0x20 || rune.Value == 0x7F)
                    {
                        sb.Append($"\\x{rune.Value:x2}");
                    }
                    else
                    {
                        sb.Append(rune.ToString());
                    }
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}

/// <summary>The outcome of parsing a grouping path: a key, or the 400 message.</summary>
public readonly record struct GroupingParseResult(GroupingKey? Key, string? Error)
{
    public static GroupingParseResult Ok(GroupingKey key) => new(key, null);
    public static GroupingParseResult Fail(string error) => new(null, error);

    /// <summary>The 400 for a path that is not a grouping key; null on success.</summary>
    public Rejection? Rejection => Error is null ? null : Core.Rejection.BadRequest(Error, RejectionReason.Parse);

    public bool Success => Key is not null;
}
