using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Core.Exposition;

/// <summary>The output formats a scrape can negotiate.</summary>
public enum ScrapeFormat
{
    /// <summary>Prometheus text 0.0.4 (<see cref="TextFormatWriter"/>), the default.</summary>
    Text004,

    /// <summary>OpenMetrics 1.0.0 text (<see cref="OpenMetricsWriter"/>).</summary>
    OpenMetrics100,

    /// <summary>Length-delimited protobuf (<see cref="ProtobufDelimited"/>).</summary>
    ProtobufDelimited,
}

/// <summary>The outcome of <see cref="ScrapeNegotiation.Negotiate(string?, string?, bool, bool)"/>.</summary>
/// <param name="Format">Which writer to use.</param>
/// <param name="ContentType">The <c>Content-Type</c> response header value.</param>
/// <param name="Gzip">Whether to gzip the body and send <c>Content-Encoding: gzip</c>.</param>
/// <param name="Escaping">How to escape names (<see cref="NameEscaping.EscapeFamily"/>); null when UTF-8 names are off.</param>
public readonly record struct ScrapeNegotiationResult(ScrapeFormat Format, string ContentType, bool Gzip, NameEscapingScheme? Escaping = null);
