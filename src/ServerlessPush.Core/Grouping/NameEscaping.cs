using System.Globalization;
using System.Text;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Grouping;

/// <summary>
/// The name escaping schemes of prometheus/common's <c>model</c> (the <c>escaping=</c> parameter of a
/// scrape's Accept header), used only with <c>Gateway:EnableUtf8Names</c>.
/// </summary>
public enum NameEscapingScheme
{
    /// <summary><c>allow-utf-8</c>: names as pushed.</summary>
    AllowUtf8,

    /// <summary><c>underscores</c>: every character a legacy name cannot hold becomes <c>_</c> (the default).</summary>
    Underscores,

    /// <summary><c>dots</c>: <c>.</c> → <c>_dot_</c>, <c>_</c> → <c>__</c>, any other illegal character → <c>__</c>.</summary>
    Dots,

    /// <summary><c>values</c>: <c>U__</c>, then <c>_</c> → <c>__</c> and any illegal character → <c>_&lt;hex code point&gt;_</c>.</summary>
    Values,
}

/// <summary>
/// <c>model.EscapeName</c>, <c>model.UnescapeName</c> and <c>model.EscapeMetricFamily</c> as
/// Pushgateway 1.11 uses them (prometheus/common v0.69). A name that is already a legacy metric
/// name (<c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>) is never escaped, label names included (so a label
/// name with <c>:</c> stays as it is, as upstream).
/// </summary>
public static class NameEscaping
{
    public const string AllowUtf8 = "allow-utf-8";
    public const string Underscores = "underscores";
    public const string Dots = "dots";
    public const string Values = "values";

    /// <summary>The scheme of an <c>escaping=</c> value; false for anything else (upstream then ignores the parameter).</summary>
    public static bool TryParse(string? value, out NameEscapingScheme scheme)
    {
        switch (value)
        {
            case AllowUtf8: scheme = NameEscapingScheme.AllowUtf8; return true;
            case Underscores: scheme = NameEscapingScheme.Underscores; return true;
            case Dots: scheme = NameEscapingScheme.Dots; return true;
            case Values: scheme = NameEscapingScheme.Values; return true;
            default: scheme = NameEscapingScheme.Underscores; return false;
        }
    }

    public static string ToParameter(NameEscapingScheme scheme) => scheme switch
    {
        NameEscapingScheme.AllowUtf8 => AllowUtf8,
        NameEscapingScheme.Underscores => Underscores,
        NameEscapingScheme.Dots => Dots,
        NameEscapingScheme.Values => Values,
        _ => throw new ArgumentOutOfRangeException(nameof(scheme)),
    };

    /// <summary>The name under <paramref name="scheme"/>.</summary>
    public static string Escape(string name, NameEscapingScheme scheme)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || scheme == NameEscapingScheme.AllowUtf8)
        {
            return name;
        }
        if (scheme != NameEscapingScheme.Dots && LabelNames.IsValidMetricName(name))
        {
            return name;
        }
        var sb = new StringBuilder(name.Length + 8);
        if (scheme == NameEscapingScheme.Values)
        {
            sb.Append("U__");
        }
        var i = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            var legal = IsLegacyRune(rune, i);
            switch (scheme)
            {
                case NameEscapingScheme.Underscores:
                    sb.Append(legal ? rune.ToString() : "_");
                    break;
                case NameEscapingScheme.Dots:
                    sb.Append(rune.Value == '_' ? "__" : rune.Value == '.' ? "_dot_" : legal ? rune.ToString() : "__");
                    break;
                default:
                    if (rune.Value == '_')
                    {
                        sb.Append("__");
                    }
                    else if (legal)
                    {
                        sb.Append(rune.ToString());
                    }
                    else
                    {
                        sb.Append('_').Append(rune.Value.ToString("x", CultureInfo.InvariantCulture)).Append('_');
                    }
                    break;
            }
            // Go ranges over byte offsets: only the first rune sits at offset 0.
            i += rune.Utf8SequenceLength;
        }
        return sb.ToString();
    }

    /// <summary>
    /// <c>model.UnescapeName</c> with the <c>values</c> scheme, as Pushgateway 1.11 decodes path label
    /// names: a name without the <c>U__</c> prefix, or that does not decode cleanly, is returned unchanged.
    /// </summary>
    public static string UnescapeValues(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!name.StartsWith("U__", StringComparison.Ordinal))
        {
            return name;
        }
        var escaped = name.AsSpan(3);
        var sb = new StringBuilder(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] != '_')
            {
                sb.Append(escaped[i]);
                continue;
            }
            i++;
            if (i >= escaped.Length)
            {
                return name;
            }
            if (escaped[i] == '_')
            {
                sb.Append('_');
                continue;
            }
            var value = 0;
            for (var digits = 0; ; digits++, i++)
            {
                if (digits >= 6 || i >= escaped.Length)
                {
                    return name;
                }
                var c = escaped[i];
                if (c == '_')
                {
                    if (!Rune.IsValid(value))
                    {
                        return name;
                    }
                    sb.Append(new Rune(value).ToString());
                    break;
                }
                var digit = c is >= '0' and <= '9' ? c - '0' : (c | 0x20) is >= 'a' and <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
                if (digit < 0)
                {
                    return name;
                }
                value = (value * 16) + digit;
            }
        }
        return sb.ToString();
    }

    /// <summary>The family with its metric name and label names escaped; the same instance when nothing changes.</summary>
    public static MetricFamily EscapeFamily(MetricFamily family, NameEscapingScheme scheme)
    {
        ArgumentNullException.ThrowIfNull(family);
        if (scheme == NameEscapingScheme.AllowUtf8 || (LabelNames.IsValidMetricName(family.Name) && family.Metric.All(m => m.Label.All(l => LabelNames.IsValidMetricName(l.Name)))))
        {
            return family;
        }
        var copy = family.Clone();
        copy.Name = LabelNames.IsValidMetricName(family.Name) ? family.Name : Escape(family.Name, scheme);
        foreach (var metric in copy.Metric)
        {
            foreach (var label in metric.Label)
            {
                if (!LabelNames.IsValidMetricName(label.Name))
                {
                    label.Name = Escape(label.Name, scheme);
                }
            }
        }
        return copy;
    }

    private static bool IsLegacyRune(Rune r, int offset) =>
        (r.Value is >= 'a' and <= 'z') || (r.Value is >= 'A' and <= 'Z') || r.Value == '_' || r.Value == ':'
        || (r.Value is >= '0' and <= '9' && offset > 0);
}
