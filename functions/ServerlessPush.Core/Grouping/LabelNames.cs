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
