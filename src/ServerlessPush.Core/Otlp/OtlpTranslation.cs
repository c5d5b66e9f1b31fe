using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Otlp;

/// <summary>One resource's metrics as one group's push.</summary>
/// <param name="DeltaFamilies">The families whose values are deltas to add to the stored ones (only with <see cref="OtlpOptions.SumDeltas"/>).</param>
/// <param name="Points">The OTLP data points it holds, counted as rejected if the push is.</param>
public sealed record OtlpGroup(GroupingKey Key, List<MetricFamily> Families, IReadOnlySet<string> DeltaFamilies, long Points);

/// <summary>The groups of a request, and the points left out of them (OTLP's partial success).</summary>
/// <param name="RejectionReason">Why the first rejected point was left out; null if none was.</param>
public sealed record OtlpTranslation(IReadOnlyList<OtlpGroup> Groups, long RejectedPoints, string? RejectionReason);

/// <summary>The request as a whole cannot be stored (OTLP/HTTP's 400, not retried): the reason says why.</summary>
public sealed class OtlpRequestException(string message) : Exception(message);
