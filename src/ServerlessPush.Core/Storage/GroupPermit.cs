using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Core.Storage;

/// <summary>
/// A writer's standing to add metric names to a group (see docs/consistency.md). A write made with a
/// permit lands only while the permit exists, and a revoked permit never exists again; index rows
/// for the names are registered only while the permit already exists. So a reader that revokes every
/// permit of a group and then sees the group without a name knows no write can add that name later
/// without registering it again.
/// </summary>
public sealed record GroupPermit(GroupingKey Group, string Id);

/// <summary>A group as read (null: absent or deleted) with the permits that existed at that read.</summary>
public sealed record GroupState(MetricGroup? Group, IReadOnlyList<GroupPermit> Permits);

/// <summary>The write was refused because its permit was revoked: register the names again and retry.</summary>
public sealed class PermitRevokedException(GroupPermit permit)
    : Exception($"The write permit of group {permit.Group} was revoked.")
{
    public GroupPermit Permit { get; } = permit;
}
