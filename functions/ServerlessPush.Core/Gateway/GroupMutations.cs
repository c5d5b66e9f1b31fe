using ServerlessPush.Core.Storage;

namespace ServerlessPush.Core.Gateway;

/// <summary>PUT: the pushed families become the group; written blind, no read needed.</summary>
public sealed class ReplaceFamilies(IReadOnlyList<PushedFamily> families, DateTimeOffset pushTime, DateTimeOffset? expiresAt) : GroupMutation
{
    public override bool NeedsCurrent => false;

    public override GroupContent Apply(MetricGroup? current) => new(families, pushTime, expiresAt);
}

/// <summary>POST: pushed families replace the same-named ones; the others stay with their own push times.</summary>
public sealed class MergeFamilies(IReadOnlyList<PushedFamily> families, DateTimeOffset pushTime, DateTimeOffset? expiresAt) : GroupMutation
{
    public override bool NeedsCurrent => true;

    public override GroupContent Apply(MetricGroup? current)
    {
        if (current is null)
        {
            return new GroupContent(families, pushTime, expiresAt);
        }
        var pushed = families.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var merged = current.Families.Where(f => !pushed.Contains(f.Name)).Concat(families).ToList();
        return new GroupContent(merged, pushTime, expiresAt);
    }
}
