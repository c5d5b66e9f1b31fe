namespace ServerlessPush.Core.Otlp;

/// <summary>OTLP ingestion at <c>POST /v1/metrics</c>. Section <c>Gateway:Otlp</c>.</summary>
public sealed class OtlpOptions
{
    /// <summary>
    /// Resource attributes that become grouping labels besides <c>job</c> and <c>instance</c> (their
    /// names sanitised as labels). A resource without one of them has no such label in its key.
    /// </summary>
    public List<string> GroupingAttributes { get; set; } = [];

    /// <summary>
    /// Merge a resource's metrics into its group (like a POST push) instead of replacing the group
    /// (like a PUT, the default). A request's <see cref="OtlpTranslator.ModeHeader"/> overrides it.
    /// </summary>
    public bool Merge { get; set; }

    /// <summary>
    /// Add delta-temporality points to the stored values (a read-modify-write with the store's
    /// optimistic concurrency) instead of refusing them with a 400. Off by default: an exporter that
    /// retries a request whose answer was lost counts it twice (see docs/otlp.md).
    /// </summary>
    public bool SumDeltas { get; set; }
}
