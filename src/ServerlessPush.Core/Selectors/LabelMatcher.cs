using System.Text.RegularExpressions;

namespace ServerlessPush.Core.Selectors;

/// <summary>The four Prometheus matcher operators.</summary>
public enum MatchOperator
{
    /// <summary><c>=</c></summary>
    Equal,
    /// <summary><c>!=</c></summary>
    NotEqual,
    /// <summary><c>=~</c></summary>
    Regex,
    /// <summary><c>!~</c></summary>
    NotRegex,
}

/// <summary>
/// One <c>name op "value"</c> of a selector. Regular expressions are fully anchored, as in Prometheus
/// (<c>^(?s:…)$</c>), and run on .NET's non-backtracking engine: linear time in the input like RE2,
/// and constructs RE2 lacks (back-references, look-arounds) are refused when parsed.
/// A label a group does not have has the value "" (Prometheus semantics).
/// </summary>
public sealed class LabelMatcher
{
    private readonly Regex? _regex;

    private LabelMatcher(string name, MatchOperator op, string value, Regex? regex)
    {
        Name = name;
        Operator = op;
        Value = value;
        _regex = regex;
    }

    public string Name { get; }

    public MatchOperator Operator { get; }

    public string Value { get; }

    /// <summary>The matcher, or the reason it is invalid (a regular expression that does not compile).</summary>
    public static (LabelMatcher? Matcher, string? Error) Create(string name, MatchOperator op, string value)
    {
        if (op is MatchOperator.Equal or MatchOperator.NotEqual)
        {
            return (new LabelMatcher(name, op, value, null), null);
        }
        try
        {
            var regex = new Regex("^(?s:" + value + ")$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
            return (new LabelMatcher(name, op, value, regex), null);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return (null, $"invalid regular expression \"{value}\" for label {name}: {e.Message}");
        }
    }

    public bool Matches(string value) => Operator switch
    {
        MatchOperator.Equal => value == Value,
        MatchOperator.NotEqual => value != Value,
        MatchOperator.Regex => _regex!.IsMatch(value),
        _ => !_regex!.IsMatch(value),
    };

    public override string ToString()
    {
        var op = Operator switch
        {
            MatchOperator.Equal => "=",
            MatchOperator.NotEqual => "!=",
            MatchOperator.Regex => "=~",
            _ => "!~",
        };
        return $"{Name}{op}\"{Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
    }
}
