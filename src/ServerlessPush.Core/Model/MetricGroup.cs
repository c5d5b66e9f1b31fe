using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Model;

/// <summary>One family as stored in a group: sanitised series plus when it was last pushed.</summary>
public sealed record PushedFamily(MetricFamily Family, DateTimeOffset PushedAt)
{
    public string Name => Family.Name;
}

/// <summary>
/// A stored group: its key, its families (series already carry the grouping labels and
/// <c>instance</c>), and the times behind <c>push_time_seconds</c> and
/// <c>push_failure_time_seconds</c> (null = never, rendered as 0), and when it expires: at
/// <see cref="ExpiresAt"/>, <see cref="Ttl"/> after its last push (null = never).
/// <see cref="LastFailureReason"/> is what the last rejected push was told (bounded; null = none recorded).
/// </summary>
public sealed record MetricGroup(
    GroupingKey Key,
    IReadOnlyList<PushedFamily> Families,
    DateTimeOffset? LastPushTime,
    DateTimeOffset? LastFailureTime,
    DateTimeOffset? ExpiresAt = null,
    TimeSpan? Ttl = null,
    string? LastFailureReason = null)
{
    /// <summary>False only when the last failure is later than the last success (reference <c>LastPushSuccess</c>).</summary>
    public bool LastPushSuccessful => LastFailureTime is null || (LastPushTime is not null && LastFailureTime <= LastPushTime);

    public bool IsExpiredAt(DateTimeOffset now) => ExpiresAt <= now;

    /// <summary>Set on a listed group that is stale (expired, kept by <see cref="Gateway.StalePolicy"/>): when the sweep deletes it.</summary>
    public DateTimeOffset? StaleUntil { get; init; }

    public bool IsStale => StaleUntil is not null;
}
