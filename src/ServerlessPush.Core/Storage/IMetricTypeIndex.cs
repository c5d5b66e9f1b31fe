using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Storage;

/// <summary>
/// One row of the metric-name index: group <see cref="Group"/> holds (or is about to hold) family
/// <see cref="Name"/> of <see cref="Type"/>. <see cref="Version"/> is the row's version as read: every
/// registration writes a new one.
/// </summary>
public sealed record TypeRegistration(string Name, MetricType Type, GroupingKey Group, string? Version = null);

/// <summary>
/// Which groups hold which metric names with which types, so a push is checked against the
/// groups that share its names instead of against the whole store. Rows are written before the
/// group (so two racing pushes see each other) and may outlive the family they describe; callers
/// verify a conflicting row against the group before trusting it, and remove it only with proof
/// that it is stale (docs/consistency.md).
/// </summary>
public interface IMetricTypeIndex
{
    /// <summary>Makes sure rows exist for these families of <paramref name="group"/>.</summary>
    Task RegisterAsync(GroupingKey group, IReadOnlyCollection<(string Name, MetricType Type)> families, CancellationToken cancellationToken = default);

    /// <summary>Rows for <paramref name="name"/> from groups other than <paramref name="except"/>, optionally only those whose type is not <paramref name="exceptType"/>; at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<TypeRegistration>> FindAsync(string name, GroupingKey except, MetricType? exceptType, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a row proved stale, if it is still the version read: false if it was registered again
    /// since (a push may be about to write it), true if it is gone.
    /// </summary>
    Task<bool> RemoveIfUnchangedAsync(TypeRegistration registration, CancellationToken cancellationToken = default);
}
