namespace ServerlessPush.Core.Grouping;

/// <summary>Prometheus' legacy name rules, shared by the path parser and the push checks.</summary>
public static class LabelNames
{
    /// <summary><c>[a-zA-Z_][a-zA-Z0-9_]*</c></summary>
    public static bool IsValid(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }
        foreach (var c in name[1..])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A valid label name that does not start with the reserved <c>__</c>.</summary>
    public static bool IsValidPathLabel(ReadOnlySpan<char> name) => IsValid(name) && !name.StartsWith("__");

    /// <summary>
    /// A name under <c>Gateway:EnableUtf8Names</c> (model.UTF8Validation): not empty and well-formed
    /// Unicode (every source decodes UTF-8, so a lone surrogate is the only way to be otherwise).
    /// </summary>
    public static bool IsValidUtf8(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(name[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A label name under the chosen rules that does not start with the reserved <c>__</c>.</summary>
    public static bool IsValidPathLabel(ReadOnlySpan<char> name, bool utf8Names) =>
        utf8Names ? IsValidUtf8(name) && !name.StartsWith("__") : IsValidPathLabel(name);

    /// <summary>A metric name under the chosen rules.</summary>
    public static bool IsValidMetricName(ReadOnlySpan<char> name, bool utf8Names) =>
        utf8Names ? IsValidUtf8(name) : IsValidMetricName(name);

    /// <summary><c>[a-zA-Z_:][a-zA-Z0-9_:]*</c></summary>
    public static bool IsValidMetricName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || !(char.IsAsciiLetter(name[0]) || name[0] == '_' || name[0] == ':'))
        {
            return false;
        }
        foreach (var c in name[1..])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == ':'))
            {
                return false;
            }
        }
        return true;
    }
}
