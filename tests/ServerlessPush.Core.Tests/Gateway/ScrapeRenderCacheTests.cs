using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Selectors;
using ServerlessPush.Testing.InMemory;

namespace ServerlessPush.Core.Tests.Gateway;

/// <summary>
/// <see cref="ScrapeService.RenderAsync"/> writes, from lines kept per group, the very bytes of a fresh
/// render (<see cref="ScrapeService.CollectAsync(ServerlessPush.Core.Selectors.GroupSelection, CancellationToken)"/>, the endpoint's
/// transforms, <see cref="ScrapeWriter"/>), and renders again only the groups that changed.
/// </summary>
public sealed class ScrapeRenderCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly ScrapeVariant[] Variants =
    [
        new(ScrapeFormat.Text004, false, null),
        new(ScrapeFormat.Text004, true, null),
        new(ScrapeFormat.Text004, false, NameEscapingScheme.Underscores),
        new(ScrapeFormat.OpenMetrics100, false, null),
        new(ScrapeFormat.OpenMetrics100, true, NameEscapingScheme.Dots),
        new(ScrapeFormat.ProtobufDelimited, false, null),
    ];

    private readonly InMemoryGroupStore _store = new();
    private readonly FakeTimeProvider _time = new(Now);
    private readonly GatewayOptions _options = new()
    {
        Expiry = { ExposeGauge = true, Stale = [new StaleRule { Jobs = "stale", KeepFor = TimeSpan.FromHours(1) }] },
        Scrape = { SelfMetrics = true },
    };

    private ScrapeService NewScrape() => new(_store, Options.Create(_options), _time, NullLogger<ScrapeService>.Instance);

    private Task WriteAsync(GroupingKey key, string body, TimeSpan? ttl = null)
    {
        var families = TextFormatParser.Parse(Encoding.UTF8.GetBytes(body), int.MaxValue, utf8Names: true);
        Assert.Null(PushValidator.ValidateAndSanitise(key, families, utf8Names: true));
        return _store.WriteAsync(key, new ReplaceFamilies([.. families.Select(f => new PushedFamily(f, _time.GetUtcNow()))], _time.GetUtcNow(), ttl));
    }

    private static async Task<string> FreshAsync(ScrapeService scrape, ScrapeVariant variant)
    {
        var families = (await scrape.CollectAsync()).Select(variant.Transform);
        using var output = new MemoryStream();
        await ScrapeWriter.WriteAsync(output, variant.Format, families);
        return Convert.ToHexString(output.ToArray());
    }

    private static async Task<string> CachedAsync(ScrapeService scrape, ScrapeVariant variant)
    {
        var rendered = await scrape.RenderAsync(GroupSelection.Everything, variant);
        using var output = new MemoryStream();
        await rendered.WriteAsync(output);
        return Convert.ToHexString(output.ToArray());
    }

    private async Task FillAsync()
    {
        // Families shared across groups (merged, series interleaved by label values), a type clash, a
        // duplicate series, a UTF-8 name, help text, a native histogram, a summary, an expiring group and a stale one.
        for (var i = 9; i >= 0; i--)
        {
            await WriteAsync(GroupingKey.ForJob("bench", ("instance", $"i{(i * 7) % 10}")),
                $"# HELP requests Requests.\n# TYPE requests counter\nrequests{{path=\"/{i % 3}\"}} {i}\nrequests{{path=\"/x\"}} 1\n# TYPE temp gauge\ntemp {i}.5\n");
        }
        await WriteAsync(GroupingKey.ForJob("clash"), "# TYPE requests gauge\nrequests{path=\"/c\"} 3\n# TYPE own untyped\nown 1\n");
        await WriteAsync(GroupingKey.ForJob("bench"), "# TYPE requests counter\nrequests{instance=\"i3\",path=\"/x\"} 9\n");
        await WriteAsync(GroupingKey.ForJob("utf8"), "{\"my.metric\",\"some.label\"=\"v\"} 2\n# TYPE lat summary\nlat{quantile=\"0.5\"} 1\nlat_sum 2\nlat_count 3\n");
        await WriteAsync(GroupingKey.ForJob("hist"), "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n", TimeSpan.FromHours(2));
        await WriteAsync(GroupingKey.ForJob("stale"), "kept 1\n", TimeSpan.FromMinutes(10));
        var native = new Metrics.MetricFamily { Name = "nh", Type = Metrics.MetricType.Histogram };
        native.Metric.Add(new Metrics.Metric
        {
            Histogram = new Metrics.Histogram { SampleCount = 3, SampleSum = 4, Schema = 0, ZeroThreshold = 1e-128, ZeroCount = 1, PositiveSpan = { new Metrics.BucketSpan { Offset = 0, Length = 2 } }, PositiveDelta = { 1, 0 } },
        });
        var nativeKey = GroupingKey.ForJob("native");
        Assert.Null(PushValidator.ValidateAndSanitise(nativeKey, [native]));
        await _store.WriteAsync(nativeKey, new ReplaceFamilies([new PushedFamily(native, Now)], Now, null));
        _time.Advance(TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task Every_variant_is_byte_identical_to_a_fresh_render_before_and_after_changes()
    {
        await FillAsync();
        var scrape = NewScrape();
        foreach (var variant in Variants)
        {
            Assert.Equal(await FreshAsync(scrape, variant), await CachedAsync(scrape, variant));
            // Again, from the kept plan.
            Assert.Equal(await FreshAsync(scrape, variant), await CachedAsync(scrape, variant));
        }
        await WriteAsync(GroupingKey.ForJob("bench", ("instance", "i4")), "# TYPE requests counter\nrequests{path=\"/new\"} 5\n");
        await _store.DeleteAsync(GroupingKey.ForJob("clash"));
        _time.Advance(TimeSpan.FromHours(1.5)); // "stale" is past its hour as stale: gone
        foreach (var variant in Variants)
        {
            Assert.Equal(await FreshAsync(scrape, variant), await CachedAsync(scrape, variant));
        }
    }

    [Fact]
    public async Task A_stale_group_is_rendered_as_its_gauges_and_the_cache_follows_the_clock()
    {
        await FillAsync();
        var scrape = NewScrape();
        var text = new ScrapeVariant(ScrapeFormat.Text004, false, null);
        Assert.Contains("kept", Encoding.UTF8.GetString(Convert.FromHexString(await CachedAsync(scrape, text))), StringComparison.Ordinal);
        _time.Advance(TimeSpan.FromMinutes(6)); // past the TTL: stale, kept for an hour
        var stale = Encoding.UTF8.GetString(Convert.FromHexString(await CachedAsync(scrape, text)));
        Assert.DoesNotContain("kept", stale, StringComparison.Ordinal);
        Assert.Contains("push_time_seconds{instance=\"\",job=\"stale\"}", stale, StringComparison.Ordinal);
        Assert.Equal(await FreshAsync(scrape, text), await CachedAsync(scrape, text));
    }

    [Fact]
    public async Task Only_a_changed_group_is_rendered_again_and_a_deleted_one_is_gone()
    {
        for (var i = 0; i < 20; i++)
        {
            await WriteAsync(GroupingKey.ForJob("bench", ("instance", $"i{i:D2}")), $"# TYPE up gauge\nup {i}\n");
        }
        var scrape = NewScrape();
        var text = new ScrapeVariant(ScrapeFormat.Text004, false, null);
        await CachedAsync(scrape, text);
        Assert.Equal(20, scrape.GroupsRendered);

        await CachedAsync(scrape, text);
        Assert.Equal(20, scrape.GroupsRendered); // nothing changed: nothing rendered

        await WriteAsync(GroupingKey.ForJob("bench", ("instance", "i07")), "# TYPE up gauge\nup 700\n");
        var changed = Encoding.UTF8.GetString(Convert.FromHexString(await CachedAsync(scrape, text)));
        Assert.Equal(21, scrape.GroupsRendered); // the changed group only
        Assert.Contains("up{instance=\"i07\",job=\"bench\"} 700\n", changed, StringComparison.Ordinal);
        Assert.Equal(await FreshAsync(scrape, text), Convert.ToHexString(Encoding.UTF8.GetBytes(changed)));

        await _store.DeleteAsync(GroupingKey.ForJob("bench", ("instance", "i03")));
        var deleted = Encoding.UTF8.GetString(Convert.FromHexString(await CachedAsync(scrape, text)));
        Assert.Equal(21, scrape.GroupsRendered);
        Assert.DoesNotContain("i03", deleted, StringComparison.Ordinal);
        Assert.Equal(await FreshAsync(scrape, text), Convert.ToHexString(Encoding.UTF8.GetBytes(deleted)));

        // Another variant renders the groups once for itself; the first one's lines stay.
        await CachedAsync(scrape, new ScrapeVariant(ScrapeFormat.OpenMetrics100, false, null));
        Assert.Equal(21 + 19, scrape.GroupsRendered);
        await CachedAsync(scrape, text);
        Assert.Equal(21 + 19, scrape.GroupsRendered);
    }

    [Fact]
    public async Task An_empty_store_renders_nothing_and_says_so()
    {
        _options.Scrape.SelfMetrics = false;
        var rendered = await NewScrape().RenderAsync(GroupSelection.Everything, new ScrapeVariant(ScrapeFormat.Text004, false, null));
        Assert.True(rendered.IsEmpty);
    }

    [Fact]
    public async Task A_group_family_named_like_the_gateways_own_is_merged_as_a_fresh_render_does()
    {
        await WriteAsync(GroupingKey.ForJob("odd"), "# TYPE serverlesspush_groups gauge\nserverlesspush_groups{x=\"y\"} 42\n");
        var scrape = NewScrape();
        var text = new ScrapeVariant(ScrapeFormat.Text004, false, null);
        Assert.Equal(await FreshAsync(scrape, text), await CachedAsync(scrape, text));
    }
}
