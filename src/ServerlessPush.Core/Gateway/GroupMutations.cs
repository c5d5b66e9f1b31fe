using ServerlessPush.Core.Model;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Core.Gateway;

/// <summary>PUT: the pushed families become the group; written blind, no read needed.</summary>
/// <remarks>The TTL is the push's, else the configured default: a PUT always renews the expiry.</remarks>
public sealed class ReplaceFamilies(IReadOnlyList<PushedFamily> families, DateTimeOffset pushTime, TimeSpan? ttl) : GroupMutation
{
    public override bool NeedsCurrent => false;

    public override GroupContent Apply(MetricGroup? current) => new(families, pushTime, ttl);
}

/// <summary>POST: pushed families replace the same-named ones; the others stay with their own push times.</summary>
/// <remarks>
/// A POST renews the expiry too (a job pushing with POST every few seconds is alive), with the
/// push's TTL, else the TTL the group was given by its last push, else the configured default.
/// A group already expired counts as absent: its old families do not come back.
/// </remarks>
public sealed class MergeFamilies(IReadOnlyList<PushedFamily> families, DateTimeOffset pushTime, TimeSpan? requestedTtl, TimeSpan? defaultTtl) : GroupMutation
{
    public override bool NeedsCurrent => true;

    public override GroupContent Apply(MetricGroup? current)
    {
        if (current is null || current.IsExpiredAt(pushTime))
        {
            return new GroupContent(families, pushTime, requestedTtl ?? defaultTtl);
        }
        var pushed = families.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var merged = current.Families.Where(f => !pushed.Contains(f.Name)).Concat(families).ToList();
        return new GroupContent(merged, pushTime, requestedTtl ?? current.Ttl ?? defaultTtl);
    }
}
