using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Gateway;

/// <summary>
/// A scrape ready to write (<see cref="ScrapeService.RenderAsync"/>): either a merged plan of rendered
/// lines plus the gateway's own families, or, for what the render cache does not serve, families for
/// <see cref="ScrapeWriter"/>. Either way the bytes are those of a fresh render.
/// </summary>
public sealed class RenderedScrape
{
    private readonly ScrapeVariant _variant;
    private readonly ScrapePlan? _plan;
    private readonly IReadOnlyList<MetricFamily> _families;

    internal RenderedScrape(ScrapeVariant variant, IReadOnlyList<MetricFamily> families)
    {
        _variant = variant;
        _families = [.. families.Select(variant.Transform)];
    }

    internal RenderedScrape(ScrapePlan plan, IReadOnlyList<MetricFamily> own)
    {
        _variant = plan.Variant;
        _plan = plan;
        _families = own;
    }

    /// <summary>Nothing to write (no family with a series).</summary>
    public bool IsEmpty => _families.Count == 0 && (_plan is null || _plan.Families.Length == 0);

    /// <summary>Writes the body (compression is the caller's), flushing every <see cref="TextFormatWriter.FlushThreshold"/> bytes.</summary>
    public async Task WriteAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (_plan is null)
        {
            await ScrapeWriter.WriteAsync(stream, _variant.Format, _families, cancellationToken).ConfigureAwait(false);
            return;
        }
        var format = _variant.Format;
        using var buffer = new PooledBufferWriter();
        var own = 0;
        foreach (var family in _plan.Families)
        {
            // The gateway's own families (never named like a group's here) take their place in name order.
            while (own < _families.Count && Utf8Ordinal.Instance.Compare(_families[own].Name, family.Name) < 0)
            {
                WriteFamily(buffer, format, _families[own++]);
            }
            Copy(buffer, family.Header, 0, family.Header.Length);
            foreach (var series in family.Series)
            {
                Copy(buffer, series.Bytes, series.Start, series.Length);
                if (buffer.WrittenCount >= TextFormatWriter.FlushThreshold)
                {
                    await buffer.FlushToAsync(stream, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        while (own < _families.Count)
        {
            WriteFamily(buffer, format, _families[own++]);
        }
        if (format == ScrapeFormat.OpenMetrics100)
        {
            OpenMetricsWriter.WriteEof(buffer);
        }
        await buffer.FlushToAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    private static void Copy(PooledBufferWriter buffer, byte[] bytes, int start, int length)
    {
        bytes.AsSpan(start, length).CopyTo(buffer.GetSpan(length));
        buffer.Advance(length);
    }

    private static void WriteFamily(PooledBufferWriter buffer, ScrapeFormat format, MetricFamily family)
    {
        if (format == ScrapeFormat.OpenMetrics100)
        {
            OpenMetricsWriter.WriteFamily(buffer, family);
        }
        else
        {
            TextFormatWriter.WriteFamily(buffer, family);
        }
    }
}
