using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using ServerlessPush.Testing;
using ServerlessPush.WebPage.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessPush.WebPage.Tests;

/// <summary>
/// The page for many groups, in Chromium: compact rows (job first, then the other grouping labels,
/// series, last push, state), collapsed and opening in place, sortable columns, the full width,
/// the admin's delete of the filtered set, and the status page.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class WebPageRowsTests(AzuriteFixture azurite, BrowserFixture browser)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static async Task<IBrowserContext> ContextAsync(BrowserFixture browser, GatewayServer gateway) =>
        await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gateway.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });

    private static async Task<HttpStatusCode> SendAsync(GatewayServer gateway, HttpMethod method, string path, string body, string? ttl = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
        if (ttl is not null)
        {
            request.Headers.Add("X-ServerlessPush-TTL", ttl);
        }
        return (await gateway.Client.SendAsync(request)).StatusCode;
    }

    private static async Task<List<string>> ColumnAsync(IPage page, string cell) =>
        [.. (await page.Locator($"details.group > summary > .{cell}").AllInnerTextsAsync()).Select(t => t.Trim())];

    [Fact]
    public async Task Rows_are_compact_job_first_collapsed_with_their_state_and_sortable_over_the_full_width()
    {
        var time = new FakeTimeProvider(Start);
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite, new Dictionary<string, string?>
        {
            ["Gateway:Expiry:Stale:0:Jobs"] = "nightly",
            ["Gateway:Expiry:Stale:0:KeepFor"] = "1.00:00:00",
            ["Gateway:Expiry:Schedule"] = "0 0 0 1 1 *",
        }, builder => builder.Services.AddSingleton<TimeProvider>(time));

        // nightly: pushed first with a 1 h TTL (stale after 2 h); api: 3 series, fails later; web: 2 series, expires in 7 h; zeta: 1 series.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway, HttpMethod.Put, "/metrics/job/nightly/instance/db-1", "backup_ok 1\n", "1h"));
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway, HttpMethod.Put, "/metrics/job/api/instance/web-1/zone/eu", "a 1\nb 2\nc 3\n"));
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway, HttpMethod.Put, "/metrics/job/web/instance/web-2", "a 1\nb 2\n", "8h"));
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway, HttpMethod.Put, "/metrics/job/zeta", "z 1\n"));
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(HttpStatusCode.BadRequest, await SendAsync(gateway, HttpMethod.Put, "/metrics/job/api/instance/web-1/zone/eu", "# TYPE b counter\nb 5\n")); // b is untyped in web: a type clash

        await using var context = await ContextAsync(browser, gateway);
        var page = await context.NewPageAsync();
        // The script keeps relative times current by the browser's clock: the gateway's, here.
        await page.Clock.SetFixedTimeAsync(time.GetUtcNow().UtcDateTime);
        await page.GotoAsync("/");
        var groups = page.Locator("details.group");
        await Expect(groups).ToHaveCountAsync(4);

        // Job first (key order), then the other grouping labels without job; every group collapsed.
        Assert.Equal(["api", "nightly", "web", "zeta"], await ColumnAsync(page, "c-job"));
        var labels = await ColumnAsync(page, "c-labels");
        Assert.Equal("instance=\"web-1\" zone=\"eu\"", labels[0]);
        Assert.DoesNotContain("job=", labels[0], StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("details.group[open]").CountAsync());
        Assert.Equal(["3", "1", "2", "1"], await ColumnAsync(page, "c-series"));
        Assert.Equal(["1 h ago", "2 h ago", "1 h ago", "30 min ago"], await ColumnAsync(page, "c-age"));
        var states = await ColumnAsync(page, "c-state");
        Assert.StartsWith("last push failed", states[0], StringComparison.Ordinal);
        Assert.StartsWith("stale", states[1], StringComparison.Ordinal);
        Assert.Contains("deleted in", states[1], StringComparison.Ordinal);
        Assert.Equal("ok expires in 7 h", states[2]);
        Assert.Equal("ok", states[3]);

        // One line per group, and the rows span the window (less the page's margins).
        var heights = await groups.EvaluateAllAsync<double[]>("rows => rows.map(r => r.getBoundingClientRect().height)");
        Assert.All(heights, h => Assert.InRange(h, 20, 34));
        var right = await groups.First.EvaluateAsync<double>("r => r.getBoundingClientRect().right");
        Assert.True(right > 1360, $"rows end at {right}");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = TestOutput.PathFor("webpage-rows.png") });

        // Opening a row shows its detail in place, under it, and the rows below move down.
        var below = await groups.Nth(2).EvaluateAsync<double>("r => r.getBoundingClientRect().top");
        await groups.Nth(1).Locator(":scope > summary").ClickAsync();
        await Expect(groups.Nth(1).Locator(".detail")).ToBeVisibleAsync();
        await Expect(groups.Nth(1).Locator(".detail")).ToContainTextAsync("stale: listed, no longer scraped");
        Assert.True(await groups.Nth(2).EvaluateAsync<double>("r => r.getBoundingClientRect().top") > below + 40);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = TestOutput.PathFor("webpage-row-open.png") });
        await groups.Nth(0).Locator(":scope > summary").ClickAsync();
        await Expect(groups.Nth(0).Locator(".detail .badge")).ToHaveTextAsync("last push failed");

        // Sorting: series (largest first, then smallest), last push (oldest first), job (back to key order, then reversed).
        await page.ClickAsync(".columns a[data-sort='series']");
        await page.WaitForURLAsync("**/?sort=series&dir=desc");
        Assert.Equal(["api", "web", "nightly", "zeta"], await ColumnAsync(page, "c-job"));
        await Expect(page.Locator(".columns [aria-sort='descending']")).ToContainTextAsync("Series");
        await page.ClickAsync(".columns a[data-sort='series']");
        Assert.Equal(["nightly", "zeta", "web", "api"], await ColumnAsync(page, "c-job"));
        await page.ClickAsync(".columns a[data-sort='age']");
        await page.WaitForURLAsync("**/?sort=age&dir=desc");
        Assert.Equal(["nightly", "api", "web", "zeta"], await ColumnAsync(page, "c-job"));
        await page.ClickAsync(".columns a[data-sort='job']");
        Assert.Equal(["api", "nightly", "web", "zeta"], await ColumnAsync(page, "c-job"));
        await page.ClickAsync(".columns a[data-sort='job']");
        Assert.Equal(["zeta", "web", "nightly", "api"], await ColumnAsync(page, "c-job"));

        // The filter keeps the order, and the order keeps the filter.
        await page.FillAsync("#q", "web");
        await page.PressAsync("#q", "Enter");
        await page.WaitForURLAsync("**/?q=web&sort=job&dir=desc");
        Assert.Equal(["web", "api"], await ColumnAsync(page, "c-job"));
    }

    [Fact]
    public async Task An_admin_deletes_the_filtered_set_after_confirming_its_count_and_nothing_else_goes()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite);
        await Pushes.WriteGroupsAsync(gateway, 200, parallelism: 8); // job load-00..49, 4 groups each
        await using var context = await ContextAsync(browser, gateway);
        var page = await context.NewPageAsync();
        var dialogs = new List<string>();
        var accept = false;
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            if (accept)
            {
                await dialog.AcceptAsync();
            }
            else
            {
                await dialog.DismissAsync();
            }
        };

        // Whole jobs (job text): deleted with DELETE /api/v1/groups?job=.
        await page.GotoAsync("/?q=" + Uri.EscapeDataString("job=\"load-07\""));
        var button = page.Locator("#delete-set");
        await Expect(button).ToHaveTextAsync("Delete these 4 groups…");
        await button.ClickAsync();
        Assert.Contains("Delete 4 groups of 1 job matching \"job=\"load-07\"\"?", dialogs[^1], StringComparison.Ordinal);
        Assert.Equal(4, await page.Locator("details.group").CountAsync());
        Assert.Contains("job=\"load-07\"", await gateway.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);

        accept = true;
        await button.ClickAsync();
        await Expect(page.Locator(".empty")).ToHaveTextAsync("No group matches the filter.");
        var metrics = await gateway.Client.GetStringAsync("/metrics");
        Assert.DoesNotContain("job=\"load-07\"", metrics, StringComparison.Ordinal);
        Assert.Contains("job=\"load-08\"", metrics, StringComparison.Ordinal);

        // Part of several jobs (instance text): deleted group by group, the jobs' other groups stay.
        await page.GotoAsync("/?q=host-0001");
        await Expect(page.Locator("details.group")).ToHaveCountAsync(10);
        await button.ClickAsync();
        Assert.Contains("Delete 10 groups of 10 jobs", dialogs[^1], StringComparison.Ordinal);
        await Expect(page.Locator(".empty")).ToBeVisibleAsync();
        metrics = await gateway.Client.GetStringAsync("/metrics");
        Assert.DoesNotContain("host-0001", metrics, StringComparison.Ordinal);
        Assert.Contains("instance=\"host-00020\"", metrics, StringComparison.Ordinal);
        Assert.Contains("job=\"load-10\"", metrics, StringComparison.Ordinal);
        await Expect(page.Locator("#counts")).ToContainTextAsync("0 groups");
        await page.GotoAsync("/");
        await Expect(page.Locator("#counts")).ToContainTextAsync("186 groups");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = TestOutput.PathFor("webpage-delete-set.png") });
    }

    [Fact]
    public async Task The_delete_of_the_filtered_set_is_offered_to_admins_only()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite, new Dictionary<string, string?>
        {
            ["Gateway:Access:AllowAnonymousAdmin"] = "false",
        });
        await Pushes.PutAsync(gateway, "/metrics/job/a", "m 1\n");
        var html = await gateway.Client.GetStringAsync("/");
        Assert.Contains("<details class=\"group", html, StringComparison.Ordinal);
        Assert.DoesNotContain("delete-set", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_status_page_shows_build_settings_and_storage_health_as_html()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite, new Dictionary<string, string?>
        {
            ["Gateway:GroupTtl"] = "02:00:00",
            ["Gateway:Expiry:Stale:0:Jobs"] = "nightly, etl-*",
            ["Gateway:Expiry:Stale:0:KeepFor"] = "7.00:00:00",
        });
        using var response = await gateway.Client.GetAsync("/status");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("default-src 'none'", string.Join(";", response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);

        await using var context = await ContextAsync(browser, gateway);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                errors.Add(m.Text);
            }
        };
        await page.GotoAsync("/");
        await page.ClickAsync("header nav a[href='status']");
        await page.WaitForURLAsync("**/status");
        await Expect(page.Locator("#storage")).ToHaveClassAsync("card healthy");
        await Expect(page.Locator("#storage dd.ok")).ToContainTextAsync("answers (");
        await Expect(page.Locator("#storage")).ToContainTextAsync(gateway.TableName);
        await Expect(page.Locator("#build")).ToContainTextAsync(".NET");
        await Expect(page.Locator("#settings")).ToContainTextAsync("02:00:00");
        await Expect(page.Locator("#settings")).ToContainTextAsync("nightly, etl-*: kept 7.00:00:00 after expiry");
        await Expect(page.Locator("#settings")).ToContainTextAsync("push: open to anyone");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = TestOutput.PathFor("webpage-status.png"), FullPage = true });
        Assert.Empty(errors);
        // Never a secret: the connection string (with its account key) is not on the page.
        Assert.DoesNotContain("AccountKey", await page.ContentAsync(), StringComparison.Ordinal);
    }
}
