using Microsoft.Playwright;
using ServerlessPush.WebPage.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;
using ServerlessPush.Testing;

namespace ServerlessPush.WebPage.Tests;

/// <summary>The page in a real browser: Debian's chromium, headless, driven by Playwright.</summary>
[Collection(BrowserCollection.Name)]
public sealed class WebPageBrowserTests(AzuriteFixture azurite, BrowserFixture browser)
{
    private static async Task PushSampleGroupsAsync(GatewayServer gateway)
    {
        await Pushes.PutAsync(gateway, "/metrics/job/backup/instance/db-1", """
            # HELP backup_last_success_seconds Unix time of the last good backup.
            # TYPE backup_last_success_seconds gauge
            backup_last_success_seconds 1.7e+09
            # HELP backup_bytes_total Bytes written.
            # TYPE backup_bytes_total counter
            backup_bytes_total{disk="sda"} 123456789
            backup_bytes_total{disk="sdb"} 42

            """);
        await Pushes.PutAsync(gateway, "/metrics/job/api/instance/web-1", """
            # HELP http_request_duration_seconds Request latency.
            # TYPE http_request_duration_seconds histogram
            http_request_duration_seconds_bucket{le="0.05"} 24054
            http_request_duration_seconds_bucket{le="0.1"} 33444
            http_request_duration_seconds_bucket{le="0.25"} 100392
            http_request_duration_seconds_bucket{le="1"} 129389
            http_request_duration_seconds_bucket{le="+Inf"} 144320
            http_request_duration_seconds_sum 53423
            http_request_duration_seconds_count 144320

            """);
        await Pushes.PutAsync(gateway, "/metrics/job/api/instance/web-2", """
            # HELP rpc_duration_seconds RPC latency.
            # TYPE rpc_duration_seconds summary
            rpc_duration_seconds{quantile="0.5"} 0.0045
            rpc_duration_seconds{quantile="0.99"} 0.0873
            rpc_duration_seconds_sum 1.7560473e+04
            rpc_duration_seconds_count 2693

            """);
        await Pushes.PutAsync(gateway, "/metrics/job/cleanup", "cleanup_removed_files 17\n");
    }

    private static List<string> CollectErrors(IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Add(error);
        return errors;
    }

    [Fact]
    public async Task Browse_expand_filter_and_delete_a_group()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite);
        await PushSampleGroupsAsync(gateway);
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gateway.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        var page = await context.NewPageAsync();
        var errors = CollectErrors(page);

        // Load: every group, with its labels and the counts.
        await page.GotoAsync("/");
        var groups = page.Locator("details.group");
        await Expect(groups).ToHaveCountAsync(4);
        await Expect(page.Locator("#counts")).ToContainTextAsync("4 groups, 6 series");

        // Groups are collapsed rows; one opens in place. Then expand the histogram: buckets readable, with the count in each bucket.
        var web1 = groups.Filter(new LocatorFilterOptions { HasText = "web-1" });
        await Expect(web1.Locator(".families")).Not.ToBeVisibleAsync();
        await web1.Locator("summary").First.ClickAsync();
        await Expect(web1.Locator(".families")).ToBeVisibleAsync();
        var histogram = web1.Locator("details.family[data-family='http_request_duration_seconds']");
        var buckets = histogram.Locator("table.buckets");
        await Expect(buckets).Not.ToBeVisibleAsync();
        await histogram.Locator("summary").ClickAsync();
        await Expect(buckets).ToBeVisibleAsync();
        var quarter = buckets.Locator("tr", new LocatorLocatorOptions { HasText = "0.25" });
        await Expect(quarter).ToContainTextAsync("100392");
        await Expect(quarter).ToContainTextAsync("66948"); // 100392 - 33444 in that bucket
        await Expect(histogram).ToContainTextAsync("count 144320");

        // Expand the counter too, then keep a screenshot for the reviewer.
        var backup = groups.Filter(new LocatorFilterOptions { HasText = "db-1" });
        await backup.Locator("summary").First.ClickAsync();
        var counter = backup.Locator("details.family[data-family='backup_bytes_total']");
        await counter.Locator("summary").ClickAsync();
        await Expect(counter.Locator("table.series")).ToContainTextAsync("123456789");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = TestOutput.PathFor("webpage.png"), FullPage = true });

        // Filter (server side, through the form).
        await page.FillAsync("#q", "web-2");
        // Listening before the key is pressed, up to the DOM only, with room for a loaded CI machine:
        // under the full suite this wait (load event, 30 s) once timed out.
        await Task.WhenAll(
            page.WaitForURLAsync("**/?q=web-2", new PageWaitForURLOptions { WaitUntil = WaitUntilState.DOMContentLoaded, Timeout = 60_000 }),
            page.PressAsync("#q", "Enter"));
        await Expect(groups).ToHaveCountAsync(1);
        await Expect(page.Locator("#counts")).ToContainTextAsync("1 group, 1 series match");
        await groups.Locator("summary").First.ClickAsync();
        var summary = groups.Locator("details.family[data-family='rpc_duration_seconds']");
        await summary.Locator("summary").ClickAsync();
        await Expect(summary.Locator("table.quantiles tr", new LocatorLocatorOptions { HasText = "0.99" })).ToContainTextAsync("0.0873");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = TestOutput.PathFor("webpage-filtered.png"), FullPage = true });

        await page.ClickAsync("a.clear");
        await Expect(groups).ToHaveCountAsync(4);

        // Delete, confirming the dialog: gone from the page, the counts and /metrics.
        string? dialogText = null;
        page.Dialog += async (_, dialog) =>
        {
            dialogText = dialog.Message;
            await dialog.AcceptAsync();
        };
        var doomed = groups.Filter(new LocatorFilterOptions { HasText = "db-1" });
        await doomed.Locator("summary").First.ClickAsync();
        await doomed.Locator("button.delete").ClickAsync();
        await Expect(groups).ToHaveCountAsync(3);
        await Expect(page.Locator("#status")).ToContainTextAsync("Deleted");
        await Expect(page.Locator("#counts")).ToContainTextAsync("3 groups, 3 series");
        Assert.Contains("job=\"backup\"", dialogText);

        var metrics = await gateway.Client.GetStringAsync("/metrics");
        Assert.DoesNotContain("backup_bytes_total", metrics);
        Assert.DoesNotContain("job=\"backup\"", metrics);
        Assert.Contains("cleanup_removed_files", metrics);

        await page.ReloadAsync();
        await Expect(groups).ToHaveCountAsync(3);
        Assert.Empty(errors); // includes Content-Security-Policy violations
    }

    [Fact]
    public async Task Dismissing_the_confirmation_keeps_the_group()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite);
        await Pushes.PutAsync(gateway, "/metrics/job/keep", "kept 1\n");
        var page = await browser.Browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = gateway.BaseAddress.ToString() });
        try
        {
            page.Dialog += async (_, dialog) => await dialog.DismissAsync();
            await page.GotoAsync("/");
            await page.ClickAsync("details.group > summary");
            await page.ClickAsync("details.group button.delete");
            await Expect(page.Locator("details.group")).ToHaveCountAsync(1);
            Assert.Contains("kept", await gateway.Client.GetStringAsync("/metrics"));
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task Reading_works_with_javascript_disabled()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite);
        await PushSampleGroupsAsync(gateway);
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gateway.BaseAddress.ToString(),
            JavaScriptEnabled = false,
        });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/?q=web-1");
        var groups = page.Locator("details.group");
        await Expect(groups).ToHaveCountAsync(1);
        // <details> opens without any script (the group, then the family); the delete button stays hidden (it needs the script).
        await groups.Locator("summary").First.ClickAsync();
        var histogram = page.Locator("details.family[data-family='http_request_duration_seconds']");
        await histogram.Locator("summary").ClickAsync();
        await Expect(histogram.Locator("table.buckets")).ToBeVisibleAsync();
        await Expect(page.Locator("details.group button.delete")).Not.ToBeVisibleAsync();
        // The style sheet applies (same origin, allowed by the CSP).
        var display = await page.Locator("details.group > summary").First.EvaluateAsync<string>("e => getComputedStyle(e).display");
        Assert.Equal("grid", display);
    }

    [Fact]
    public async Task A_page_on_another_origin_cannot_delete_a_group()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite);
        await Pushes.PutAsync(gateway, "/metrics/job/victim", "victim_metric 1\n");
        var page = await browser.Browser.NewPageAsync();
        try
        {
            // http://localhost:PORT is another origin than http://127.0.0.1:PORT, where the gateway's page lives.
            await page.GotoAsync($"http://localhost:{gateway.BaseAddress.Port}/-/healthy");
            var target = new Uri(gateway.BaseAddress, "/metrics/job/victim").ToString();
            var outcome = await page.EvaluateAsync<string>("""
                async url => {
                  try {
                    const r = await fetch(url, { method: 'DELETE', headers: { 'X-Requested-By': 'serverlesspush' }, credentials: 'include' });
                    return 'sent: ' + r.status;
                  } catch (e) {
                    return 'blocked: ' + e.message;
                  }
                }
                """, target);

            Assert.StartsWith("blocked", outcome);
            Assert.Contains("victim_metric", await gateway.Client.GetStringAsync("/metrics"));
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>
    /// Issue 13: a form-like POST (text/plain, no-cors) needs no preflight, so CORS alone cannot stop
    /// it; before, it was stored. Chromium marks it cross-site and the gateway refuses it.
    /// </summary>
    [Fact]
    public async Task A_page_on_another_origin_cannot_push_with_a_simple_request()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite);
        var page = await browser.Browser.NewPageAsync();
        try
        {
            await page.GotoAsync($"http://localhost:{gateway.BaseAddress.Port}/-/healthy");
            var target = new Uri(gateway.BaseAddress, "/metrics/job/forged").ToString();
            var outcome = await page.EvaluateAsync<string>("""
                async url => {
                  const r = await fetch(url, { method: 'POST', mode: 'no-cors', body: 'forged_metric 1\n', headers: { 'Content-Type': 'text/plain' }, credentials: 'include' });
                  return r.type;
                }
                """, target);

            Assert.Equal("opaque", outcome);
            Assert.DoesNotContain("forged_metric", await gateway.Client.GetStringAsync("/metrics"));
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
