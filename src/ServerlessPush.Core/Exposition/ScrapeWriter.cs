using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Exposition;

/// <summary>Writes a scrape body in a negotiated <see cref="ScrapeFormat"/>.</summary>
public static class ScrapeWriter
{
    /// <summary>
    /// Streams <paramref name="families"/> (already through <see cref="FamilyMerger"/>) to
    /// <paramref name="stream"/>. Compression is the caller's: wrap the stream in a
    /// <see cref="System.IO.Compression.GZipStream"/> when <see cref="ScrapeNegotiationResult.Gzip"/> is set.
    /// </summary>
    public static Task WriteAsync(Stream stream, ScrapeFormat format, IEnumerable<MetricFamily> families, CancellationToken cancellationToken = default) =>
        format switch
        {
            ScrapeFormat.Text004 => TextFormatWriter.WriteAsync(stream, families, cancellationToken),
            ScrapeFormat.OpenMetrics100 => OpenMetricsWriter.WriteAsync(stream, families, cancellationToken),
            ScrapeFormat.ProtobufDelimited => ProtobufDelimited.WriteAsync(stream, families, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
}
