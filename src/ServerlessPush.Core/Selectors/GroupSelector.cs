using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Core.Selectors;

/// <summary>One parsed <c>{…}</c> selector over grouping labels: every matcher must match.</summary>
public sealed class GroupSelector(IReadOnlyList<LabelMatcher> matchers)
{
    public IReadOnlyList<LabelMatcher> Matchers { get; } = matchers;

    /// <summary>The job a <c>job="…"</c> matcher pins this selector to, or null: then any job may match.</summary>
    public string? ExactJob => Matchers.FirstOrDefault(m => m.Name == GroupingKey.JobLabel && m.Operator == MatchOperator.Equal)?.Value;

    public bool Matches(GroupingKey key)
    {
        foreach (var matcher in Matchers)
        {
            if (!matcher.Matches(key.Get(matcher.Name) ?? string.Empty))
            {
                return false;
            }
        }
        return true;
    }

    public override string ToString() => "{" + string.Join(",", Matchers) + "}";
}
