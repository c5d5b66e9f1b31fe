using System.Text;

namespace ServerlessPush.Core.Otlp;

/// <summary>What kind of Prometheus name an OTLP metric gets: the suffixes depend on it.</summary>
public enum OtlpNameKind
{
    /// <summary>A monotonic sum: <c>_total</c> last.</summary>
    Counter,

    /// <summary>A gauge (or a non-monotonic sum): <c>_ratio</c> for unit <c>1</c>.</summary>
    Gauge,

    /// <summary>Histograms and summaries: the unit only.</summary>
    Other,
}

/// <summary>
/// OTLP names to Prometheus names, as Prometheus's OTLP receiver does with suffixes on: the name is
/// split into words at every character that is not a letter or digit, the unit's Prometheus word(s)
/// appended unless already there (<c>s</c> → <c>seconds</c>, <c>By/s</c> → <c>bytes_per_second</c>;
/// units in braces are annotations and dropped), <c>total</c> moved to the end of a counter,
/// <c>ratio</c> for a gauge of unit <c>1</c>, joined by <c>_</c>; a leading digit gets <c>_</c>.
/// Label names: every character outside <c>[A-Za-z0-9_]</c> becomes <c>_</c>, a leading digit gets
/// <c>key_</c>, a single leading <c>_</c> gets <c>key</c>.
/// </summary>
public static class OtlpNames
{
    private static readonly Dictionary<string, string> Units = new(StringComparer.Ordinal)
    {
        ["d"] = "days", ["h"] = "hours", ["min"] = "minutes", ["s"] = "seconds", ["ms"] = "milliseconds",
        ["us"] = "microseconds", ["ns"] = "nanoseconds",
        ["By"] = "bytes", ["KiBy"] = "kibibytes", ["MiBy"] = "mebibytes", ["GiBy"] = "gibibytes", ["TiBy"] = "tibibytes",
        ["KBy"] = "kilobytes", ["MBy"] = "megabytes", ["GBy"] = "gigabytes", ["TBy"] = "terabytes",
        ["m"] = "meters", ["V"] = "volts", ["A"] = "amperes", ["J"] = "joules", ["W"] = "watts", ["g"] = "grams",
        ["Cel"] = "celsius", ["Hz"] = "hertz", ["1"] = "", ["%"] = "percent",
    };

    private static readonly Dictionary<string, string> PerUnits = new(StringComparer.Ordinal)
    {
        ["s"] = "second", ["m"] = "minute", ["h"] = "hour", ["d"] = "day", ["w"] = "week", ["mo"] = "month", ["y"] = "year",
    };

    public static string MetricName(string name, string unit, OtlpNameKind kind)
    {
        var words = Words(name);
        var parts = unit.Split('/', 2);
        AppendUnitWords(words, parts[0], Units);
        if (parts.Length > 1 && parts[1].Trim() is { Length: > 0 } per && !per.Contains('{') && !per.Contains('}'))
        {
            var perWord = string.Join('_', Words(PerUnits.GetValueOrDefault(per, per)));
            if (perWord.Length > 0 && !words.Contains(perWord))
            {
                words.Add("per");
                words.Add(perWord);
            }
        }
        if (kind == OtlpNameKind.Counter)
        {
            words.RemoveAll(w => w == "total");
            words.Add("total");
        }
        if (kind == OtlpNameKind.Gauge && unit == "1")
        {
            words.RemoveAll(w => w == "ratio");
            words.Add("ratio");
        }
        var joined = string.Join('_', words);
        return joined.Length > 0 && char.IsAsciiDigit(joined[0]) ? "_" + joined : joined;
    }

    public static string LabelName(string key)
    {
        var builder = new StringBuilder(key.Length + 4);
        foreach (var c in key)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }
        var label = builder.ToString();
        if (label.Length > 0 && char.IsAsciiDigit(label[0]))
        {
            return "key_" + label;
        }
        return label.StartsWith('_') && !label.StartsWith("__", StringComparison.Ordinal) ? "key" + label : label;
    }

    private static void AppendUnitWords(List<string> words, string unit, Dictionary<string, string> map)
    {
        var main = unit.Trim();
        if (main.Length == 0 || main.Contains('{') || main.Contains('}'))
        {
            return;
        }
        var word = string.Join('_', Words(map.GetValueOrDefault(main, main)));
        if (word.Length > 0 && !words.Contains(word))
        {
            words.Add(word);
        }
    }

    /// <summary>The runs of ASCII letters and digits (Prometheus names are ASCII; other characters separate words).</summary>
    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && char.IsAsciiLetterOrDigit(text[i]);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                words.Add(text[start..i]);
                start = -1;
            }
        }
        return words;
    }
}
