using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Microsoft.Playwright;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;
using ServerlessPush.Http.WebPage;
using ServerlessPush.Testing;
using ServerlessPush.WebPage.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessPush.WebPage.Tests;

/// <summary>
/// The page with 10,000 groups: how long the server takes to render it, how long a browser takes to
/// load it, and how many groups a 1,400×1,000 window shows. The numbers go to
/// test-output/webpage-scale.txt (with a screenshot); the bounds asserted are loose, the file is the measurement.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class WebPageScaleTests(AzuriteFixture azurite, BrowserFixture browser)
{
    private const int Groups = 10_000;

    private static List<MetricGroup> InMemoryGroups(int count)
    {
        var now = DateTimeOffset.UtcNow;
        var groups = new List<MetricGroup>(count);
        for (var i = 0; i < count; i++)
        {
            var key = GroupingKey.ForJob($"load-{i % 50:D2}", ("instance", $"host-{i:D5}"));
            var text = $"# HELP load_queue_length Items waiting.\n# TYPE load_queue_length gauge\nload_queue_length{{queue=\"a\"}} {i}\nload_queue_length{{queue=\"b\"}} {i * 2}\n# TYPE load_runs_total counter\nload_runs_total {i + 0.5}\n";
            var families = TextFormatParser.Parse(Encoding.UTF8.GetBytes(text));
            Assert.Null(PushValidator.ValidateAndSanitise(key, families));
            groups.Add(new MetricGroup(key, families.Select(f => new PushedFamily(f, now)).ToList(), now.AddSeconds(-i), null));
        }
        groups.Sort((a, b) => GroupingKey.ReferenceOrder.Compare(a.Key, b.Key));
        return groups;
    }

    private static void Record(string line)
    {
        File.AppendAllText(TestOutput.PathFor("webpage-scale.txt"), $"{DateTimeOffset.UtcNow:u} {line}\n");
    }

    [Fact]
    public async Task Rendering_the_page_for_ten_thousand_groups_takes_milliseconds()
    {
        var groups = InMemoryGroups(Groups);
        var query = WebPageQuery.Create(null, null);
        var now = DateTimeOffset.UtcNow;
        // As the server renders it: the choice of rows, then the template into a body writer.
        async Task<long> RenderAsync()
        {
            var body = new MemoryStream();
            var writer = PipeWriter.Create(body, new StreamPipeWriterOptions(leaveOpen: true));
            await WebPageRenderer.RenderAsync(writer, WebPageRenderer.Model(groups, query, now, "v"), CancellationToken.None);
            await writer.CompleteAsync();
            return body.Length;
        }
        var bytes = await RenderAsync();
        var times = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var watch = Stopwatch.StartNew();
            bytes = await RenderAsync();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        var median = times[times.Count / 2];
        Record(FormattableString.Invariant($"render {Groups} groups: median {median:0.0} ms (min {times[0]:0.0}), {bytes / 1024} KiB of HTML"));
        Assert.True(median < 2000, $"render took {median} ms");
    }

    [Fact]
    public async Task The_page_is_sent_in_parts_while_it_renders()
    {
        // 500 rows (1.5 MB): flushed every 50 rows, so the client sees the first ones early and the
        // server never holds the whole page.
        var output = new FlushCountingWriter(PipeWriter.Create(Stream.Null));
        await WebPageRenderer.RenderAsync(output, WebPageRenderer.Model(InMemoryGroups(1_000), WebPageQuery.Create(null, null), DateTimeOffset.UtcNow, "v"), CancellationToken.None);
        Assert.True(output.Flushes >= 10, $"{output.Flushes} flushes");
        Assert.True(output.LargestUnflushed < 512 * 1024, $"{output.LargestUnflushed} bytes held before a flush");
    }

    /// <summary>Counts the flushes of the writer it wraps, and the most bytes written between two.</summary>
    private sealed class FlushCountingWriter(PipeWriter inner) : PipeWriter
    {
        private long _unflushed;

        public int Flushes { get; private set; }

        public long LargestUnflushed { get; private set; }

        public override void Advance(int bytes)
        {
            _unflushed += bytes;
            LargestUnflushed = Math.Max(LargestUnflushed, _unflushed);
            inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes => _unflushed;

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Flushes++;
            _unflushed = 0;
            return inner.FlushAsync(cancellationToken);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }

    [Fact]
    public async Task A_browser_loads_the_page_for_ten_thousand_groups_and_a_screen_shows_many()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite);
        await Pushes.WriteGroupsAsync(gateway, Groups, parallelism: 16);
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gateway.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/"); // the first load fills the gateway's view; measured: the next ones
        var loads = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            await page.GotoAsync("/");
            loads.Add(watch.Elapsed.TotalMilliseconds);
        }
        loads.Sort();
        await Expect(page.Locator("#counts")).ToContainTextAsync("10,000 groups");
        var visible = await page.EvaluateAsync<int>("""
            () => Array.from(document.querySelectorAll('.group')).filter(e => {
              const r = e.getBoundingClientRect();
              return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
            }).length
            """);
        var right = await page.EvaluateAsync<double>("() => Math.max(...Array.from(document.querySelectorAll('.group')).slice(0, 5).map(e => e.getBoundingClientRect().right))");
        var timing = await page.EvaluateAsync<double[]>("() => { const n = performance.getEntriesByType('navigation')[0]; return [n.responseStart - n.requestStart, n.responseEnd - n.requestStart, n.loadEventEnd - n.startTime]; }");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = TestOutput.PathFor("webpage-10000-groups.png") });
        Record(string.Create(CultureInfo.InvariantCulture,
            $"browser {Groups} groups at 1400x1000: load median {loads[1]:0} ms (first byte {timing[0]:0} ms, body {timing[1]:0} ms, load event {timing[2]:0} ms); {visible} groups fully visible; rows end at x={right:0}"));
        Assert.True(visible >= 25, $"{visible} groups visible");
    }
}
