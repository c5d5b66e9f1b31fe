using System.Runtime.CompilerServices;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Core.Gateway;

/// <summary>
/// How a scrape is written: the format and the two per-series transforms the endpoint applies
/// (classic buckets for native histograms, name escaping). Each variant renders differently.
/// </summary>
public readonly record struct ScrapeVariant(ScrapeFormat Format, bool ClassicBuckets, NameEscapingScheme? Escaping)
{
    /// <summary>Whether <see cref="ScrapeRenderCache"/> serves this format (the text formats; protobuf writes a length before each family).</summary>
    public bool IsCached => Format is ScrapeFormat.Text004 or ScrapeFormat.OpenMetrics100;

    /// <summary>The family as this variant writes it: the same transforms, in the same order, as the endpoint applies to a fresh render.</summary>
    public MetricFamily Transform(MetricFamily family)
    {
        if (ClassicBuckets && Format != ScrapeFormat.ProtobufDelimited)
        {
            family = NativeHistogramBuckets.WithClassicBuckets(family);
        }
        if (Escaping is { } escaping && escaping != NameEscapingScheme.AllowUtf8)
        {
            family = NameEscaping.EscapeFamily(family, escaping);
        }
        return family;
    }
}

/// <summary>
/// Rendered scrape lines kept across scrapes. Each group's series are rendered once per variant
/// and life (live, or stale: its gauges only) and kept while the scrape view holds that same
/// <see cref="MetricGroup"/> instance (the view replaces the instance when the group's head
/// changes, so a changed group is rendered again and a deleted one is dropped with its instance).
/// The merge across groups (one HELP/TYPE per name, series sorted, type clashes and duplicate
/// series dropped) is done by <see cref="ScrapeService"/> over these lines exactly as over the
/// families; when the groups served are the very same as the last scrape's, its merged plan is
/// written again as it is.
/// </summary>
/// <remarks>
/// Memory: per series its rendered bytes and a 4-byte offset; per group a few objects; per served
/// series of the last plan a 16-byte segment. The metrics themselves are the view's, not copied.
/// </remarks>
internal sealed class ScrapeRenderCache
{
    /// <summary>Variants kept per group and plans kept: a scraper uses one; a few cover a second scraper or a browser.</summary>
    internal const int MaxVariants = 4;

    private readonly ConditionalWeakTable<MetricGroup, GroupRenders> _groups = [];
    private readonly Lock _plansGate = new();
    private readonly List<ScrapePlan> _plans = [];

    /// <summary>Groups rendered since this cache was made (tests: what was reused and what not).</summary>
    internal long GroupsRendered;

    /// <summary>The lines of one group for a variant and life, rendered now if not kept.</summary>
    public RenderedFamily[] GetOrRender(MetricGroup group, GroupLife life, ScrapeVariant variant, Func<MetricGroup, GroupLife, IEnumerable<MetricFamily>> scraped)
    {
        var renders = _groups.GetValue(group, static _ => new GroupRenders());
        lock (renders)
        {
            foreach (var (v, l, families) in renders.Entries)
            {
                if (v == variant && l == life)
                {
                    return families;
                }
            }
        }
        var rendered = scraped(group, life).Select(f => Render(f, variant)).ToArray();
        Interlocked.Increment(ref GroupsRendered);
        lock (renders)
        {
            // Two scrapes may have rendered it at once: keep the first.
            foreach (var (v, l, families) in renders.Entries)
            {
                if (v == variant && l == life)
                {
                    return families;
                }
            }
            if (renders.Entries.Count >= MaxVariants)
            {
                renders.Entries.RemoveAt(0);
            }
            renders.Entries.Add((variant, life, rendered));
        }
        return rendered;
    }

    /// <summary>The last plan of <paramref name="variant"/> if it was built from exactly these groups (same instances, same lives).</summary>
    public ScrapePlan? FindPlan(ScrapeVariant variant, (MetricGroup Group, GroupLife Life)[] groups)
    {
        lock (_plansGate)
        {
            var plan = _plans.Find(p => p.Variant == variant);
            if (plan is null || plan.Groups.Length != groups.Length)
            {
                return null;
            }
            for (var i = 0; i < groups.Length; i++)
            {
                if (!ReferenceEquals(plan.Groups[i].Group, groups[i].Group) || plan.Groups[i].Life != groups[i].Life)
                {
                    return null;
                }
            }
            return plan;
        }
    }

    public void KeepPlan(ScrapePlan plan)
    {
        lock (_plansGate)
        {
            _plans.RemoveAll(p => p.Variant == plan.Variant);
            if (_plans.Count >= MaxVariants)
            {
                _plans.RemoveAt(0);
            }
            _plans.Add(plan);
        }
    }

    private static RenderedFamily Render(MetricFamily family, ScrapeVariant variant)
    {
        var written = variant.Transform(family);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 * Math.Max(1, family.Metric.Count));
        var ends = new int[family.Metric.Count];
        for (var i = 0; i < written.Metric.Count; i++)
        {
            // The group's own family stands for the merged one: the series lines use only the name and type, which they share.
            WriteSeries(buffer, variant.Format, written, written.Metric[i]);
            ends[i] = buffer.WrittenCount;
        }
        return new RenderedFamily(family, buffer.WrittenSpan.ToArray(), ends);
    }

    internal static void WriteHeader(System.Buffers.IBufferWriter<byte> output, ScrapeFormat format, MetricFamily family)
    {
        if (format == ScrapeFormat.OpenMetrics100)
        {
            OpenMetricsWriter.WriteHeader(output, family);
        }
        else
        {
            TextFormatWriter.WriteHeader(output, family);
        }
    }

    private static void WriteSeries(System.Buffers.IBufferWriter<byte> output, ScrapeFormat format, MetricFamily family, Metric metric)
    {
        if (format == ScrapeFormat.OpenMetrics100)
        {
            OpenMetricsWriter.WriteSeries(output, family, metric);
        }
        else
        {
            TextFormatWriter.WriteSeries(output, family, metric);
        }
    }

    private sealed class GroupRenders
    {
        public List<(ScrapeVariant Variant, GroupLife Life, RenderedFamily[] Families)> Entries { get; } = [];
    }
}

/// <summary>One family of one group as scraped (untransformed, for the merge's checks and sort) and its series' lines, series i ending at <c>Ends[i]</c>.</summary>
internal sealed record RenderedFamily(MetricFamily Family, byte[] Lines, int[] Ends)
{
    public ScrapeSegment Series(int i)
    {
        var start = i == 0 ? 0 : Ends[i - 1];
        return new ScrapeSegment(Lines, start, Ends[i] - start);
    }
}

/// <summary>A slice of a group's rendered lines: one series.</summary>
internal readonly record struct ScrapeSegment(byte[] Bytes, int Start, int Length);

/// <summary>A merged family of a plan: its name (for the order), its header lines and its series' lines in scrape order.</summary>
internal sealed record PlannedFamily(string Name, byte[] Header, ScrapeSegment[] Series);

/// <summary>A merged scrape of some groups, ready to write; built from <see cref="Groups"/> in that order.</summary>
internal sealed record ScrapePlan(ScrapeVariant Variant, (MetricGroup Group, GroupLife Life)[] Groups, PlannedFamily[] Families, long SeriesCount);
