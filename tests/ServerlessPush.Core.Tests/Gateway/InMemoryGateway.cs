using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Testing.InMemory;

namespace ServerlessPush.Core.Tests.Gateway;

/// <summary>The gateway services over the in-memory store and index, on a clock the test moves.</summary>
internal sealed class InMemoryGateway
{
    public InMemoryGateway(GatewayOptions? options = null, InMemoryGroupStore? store = null, InMemoryMetricTypeIndex? index = null)
    {
        Options = options ?? new GatewayOptions();
        Store = store ?? new InMemoryGroupStore();
        Index = index ?? new InMemoryMetricTypeIndex();
        Push = NewPushService();
        Scrape = new ScrapeService(Store, Microsoft.Extensions.Options.Options.Create(Options), Time, NullLogger<ScrapeService>.Instance);
        Sweeper = new ExpirySweeper(Store, Microsoft.Extensions.Options.Options.Create(Options), Time, NullLogger<ExpirySweeper>.Instance);
    }

    public GatewayOptions Options { get; }
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    public InMemoryGroupStore Store { get; }
    public InMemoryMetricTypeIndex Index { get; }
    public PushService Push { get; }
    public ScrapeService Scrape { get; }
    public ExpirySweeper Sweeper { get; }

    /// <summary>Another gateway instance on the same storage (its own registration cache).</summary>
    public PushService NewPushService() =>
        new(Store, Index, Microsoft.Extensions.Options.Options.Create(Options), Time, NullLogger<PushService>.Instance);

    public static List<MetricFamily> Parse(string body) => TextFormatParser.Parse(Encoding.UTF8.GetBytes(body));

    public Task<PushOutcome> PutAsync(GroupingKey key, string body, TimeSpan? ttl = null, PushService? via = null) =>
        (via ?? Push).PushAsync(key, Parse(body), PushMode.Replace, ttl);

    public Task<PushOutcome> PostAsync(GroupingKey key, string body, TimeSpan? ttl = null, PushService? via = null) =>
        (via ?? Push).PushAsync(key, Parse(body), PushMode.Merge, ttl);

    /// <summary>The scrape as "name{labels} value" lines, without the gateway's own timestamp gauges.</summary>
    public async Task<List<string>> ScrapedSeriesAsync()
    {
        var families = await Scrape.CollectAsync();
        return families
            .Where(f => !TimestampGauges.IsTimestampGaugeName(f.Name))
            .SelectMany(f => f.Metric.Select(m => $"{f.Name}{{{string.Join(",", m.Label.Select(l => $"{l.Name}={l.Value}"))}}} {Value(m)}"))
            .ToList();
    }

    private static double Value(Metric m) =>
        m.Gauge?.Value ?? m.Counter?.Value ?? m.Untyped?.Value ?? double.NaN;
}
