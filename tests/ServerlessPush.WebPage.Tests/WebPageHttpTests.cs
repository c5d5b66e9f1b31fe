using System.Net;
using System.Text.RegularExpressions;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Http;
using ServerlessPush.Http.WebPage;
using ServerlessPush.WebPage.Tests.Infrastructure;
using ServerlessPush.Testing;

namespace ServerlessPush.WebPage.Tests;

/// <summary>The page over plain HTTP, as a browser without JavaScript (or curl) sees it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class WebPageHttpTests(AzuriteFixture azurite)
{
    private static int CountGroups(string html) => Regex.Matches(html, "<details class=\"group").Count;

    [Fact]
    public async Task Page_lists_groups_labels_families_and_values_without_javascript()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite);
        await Pushes.PutAsync(gateway, "/metrics/job/backup/instance/db-1", "# HELP backup_bytes Bytes written.\n# TYPE backup_bytes gauge\nbackup_bytes{disk=\"sda\"} 12345.5\n");
        await Pushes.PutAsync(gateway, "/metrics/job/cleanup", "cleanup_runs_total 7\n");

        using var response = await gateway.Client.GetAsync("/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(2, CountGroups(html));
        Assert.Contains("<span class=\"lv\">\"backup\"</span>", html);
        Assert.Contains("<span class=\"lv\">\"db-1\"</span>", html);
        Assert.Contains("<span class=\"lv\">\"cleanup\"</span>", html);
        // Families and their series are in the HTML (in <details>), readable without any script.
        Assert.Contains("<code class=\"fname\">backup_bytes</code>", html);
        Assert.Contains("Bytes written.", html);
        Assert.Contains(">12345.5<", html);
        Assert.Contains("<code class=\"fname\">cleanup_runs_total</code>", html);
        Assert.Contains("<details class=\"family\"", html);
        Assert.Contains("<time class=\"push\" datetime=\"", html);
        Assert.Contains("2</strong> groups", html);
        // The delete button is only revealed by the script: without it there is nothing that cannot work.
        Assert.Contains("class=\"delete\" hidden", html);
        Assert.Contains("data-url=\"metrics/job@base64/YmFja3Vw/instance@base64/ZGItMQ==\"", html);
    }

    [Fact]
    public async Task Page_sends_a_strict_content_security_policy_and_no_external_or_inline_code()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite);
        await Pushes.PutAsync(gateway, "/metrics/job/a", "a 1\n");

        using var response = await gateway.Client.GetAsync("/");
        var html = await response.Content.ReadAsStringAsync();

        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());

        // No script element with a body (but data blocks, which never run), no on* handlers, no style attributes, no absolute URLs.
        Assert.DoesNotMatch(new Regex("<script(?![^>]*type=\"application/json\")[^>]*>[^<]+</script>"), html);
        Assert.DoesNotMatch(new Regex("\\son[a-z]+=", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain(" style=", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotContain("//cdn", html);
    }

    [Fact]
    public async Task Hostile_label_values_help_and_metric_labels_are_html_encoded()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite);
        const string job = "\"><script>alert('job')</script>";
        const string instance = "</h2><img src=x onerror=alert(1)>&amp;";
        var path = $"/metrics/job@base64/{Base64Value.Encode(job)}/instance@base64/{Base64Value.Encode(instance)}";
        await Pushes.PutAsync(gateway, path,
            "# HELP evil_metric </summary><script>alert('help')</script>\n# TYPE evil_metric gauge\n"
            + "evil_metric{payload=\"<iframe src='javascript:alert(2)'>\",quote=\"\\\"'\"} 1\n");

        var html = await gateway.Client.GetStringAsync("/");

        Assert.DoesNotContain("<script>alert", html);
        Assert.DoesNotContain("<img src=x", html);
        Assert.DoesNotContain("<iframe", html);
        Assert.DoesNotContain("</summary><script>", html);
        Assert.Contains("&lt;script&gt;alert(&#x27;job&#x27;)&lt;/script&gt;", html);
        Assert.Contains("&lt;/h2&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;", html);
        Assert.Contains("&lt;iframe src=&#x27;javascript:alert(2)&#x27;&gt;", html);
        // The delete URL carries the values base64-encoded, so no label text reaches a path raw.
        Assert.Contains($"data-url=\"metrics/job@base64/{Base64Value.Encode(job)}/instance@base64/{Base64Value.Encode(instance)}\"", html);
        // Attribute values cannot be broken out of: every quote inside one is encoded.
        foreach (Match attribute in Regex.Matches(html, "data-group=\"([^\"]*)\""))
        {
            Assert.DoesNotContain("<", attribute.Groups[1].Value);
        }
        // The filter echoes what was typed, encoded, in the input and in the counts line.
        var filtered = await gateway.Client.GetStringAsync("/?q=" + Uri.EscapeDataString("\"><script>x</script>"));
        Assert.DoesNotContain("<script>x</script>", filtered);
        Assert.Contains("value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\"", filtered);
    }

    [Fact]
    public async Task Filter_works_server_side_on_job_and_label_text()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite);
        await Pushes.PutAsync(gateway, "/metrics/job/backup/instance/eu-1", "x 1\n");
        await Pushes.PutAsync(gateway, "/metrics/job/backup/instance/us-1", "x 1\ny 2\n");
        await Pushes.PutAsync(gateway, "/metrics/job/cleanup/instance/eu-1", "x 1\n");

        async Task<string> Filter(string q) => await gateway.Client.GetStringAsync("/?q=" + Uri.EscapeDataString(q));

        var backup = await Filter("backup");
        Assert.Equal(2, CountGroups(backup));
        Assert.Contains("<strong class=\"group-count\">2</strong> groups, <strong class=\"series-count\">3</strong> series match", backup);
        Assert.Contains("(of 3 groups)", backup);

        Assert.Equal(2, CountGroups(await Filter("EU-1")));
        Assert.Equal(1, CountGroups(await Filter("backup eu-1")));
        Assert.Equal(1, CountGroups(await Filter("job=\"cleanup\"")));
        Assert.Equal(0, CountGroups(await Filter("job=\"clean\"")));
        var none = await Filter("nothing-like-this");
        Assert.Equal(0, CountGroups(none));
        Assert.Contains("No group matches the filter.", none);
    }

    [Fact]
    public async Task Many_groups_are_paged_with_counts_for_the_whole_set()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite);
        const int total = (WebPageQuery.PageSize * 2) + 50;
        await Pushes.WriteGroupsAsync(gateway, total, parallelism: 8);

        var first = await gateway.Client.GetStringAsync("/");
        Assert.Equal(WebPageQuery.PageSize, CountGroups(first));
        Assert.Contains($"<strong class=\"group-count\">{total:#,0}</strong> groups, <strong class=\"series-count\">{total * 3:#,0}</strong> series", first);
        Assert.Contains("Page 1 of 3", first);
        Assert.Contains("href=\"./?page=2\" rel=\"next\"", first);
        Assert.Contains($"showing 1–{WebPageQuery.PageSize}", first);

        var last = await gateway.Client.GetStringAsync("/?page=3");
        Assert.Equal(50, CountGroups(last));
        Assert.Contains("Page 3 of 3", last);
        Assert.Contains($"showing {(WebPageQuery.PageSize * 2) + 1:#,0}–{total:#,0}", last);

        // Out of range pages show the last page; junk shows the first.
        Assert.Contains("Page 3 of 3", await gateway.Client.GetStringAsync("/?page=99"));
        Assert.Contains("Page 1 of 3", await gateway.Client.GetStringAsync("/?page=-4"));

        // A filter narrows the set, and the pager keeps it.
        var filtered = await gateway.Client.GetStringAsync("/?q=load-07");
        Assert.Equal(total / 50, CountGroups(filtered));
        Assert.Contains($"<strong class=\"group-count\">{total / 50}</strong> groups", filtered);
        Assert.DoesNotContain("class=\"pager\"", filtered);
        var wide = await gateway.Client.GetStringAsync("/?q=host-000");
        Assert.Equal(100, CountGroups(wide));
        Assert.DoesNotContain("class=\"pager\"", wide);
        var wider = await gateway.Client.GetStringAsync("/?q=host-0");
        Assert.Contains("href=\"./?q=host-0&amp;page=2\"", wider);
    }

    [Fact]
    public async Task Static_assets_are_served_from_the_gateway_with_types_and_cache_headers()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite);

        using var js = await gateway.Client.GetAsync("/static/serverlesspush.js?v=" + WebPageEndpoint.AssetVersion);
        Assert.Equal(HttpStatusCode.OK, js.StatusCode);
        Assert.Equal("text/javascript", js.Content.Headers.ContentType!.MediaType);
        Assert.Contains("X-Requested-By", await js.Content.ReadAsStringAsync());
        Assert.Contains("immutable", js.Headers.CacheControl!.ToString());

        using var css = await gateway.Client.GetAsync("/static/serverlesspush.css");
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", css.Headers.GetValues("X-Content-Type-Options").Single());

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/static/serverlesspush.css");
        conditional.Headers.IfNoneMatch.Add(css.Headers.ETag!);
        using var notModified = await gateway.Client.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var unknown = await gateway.Client.GetAsync("/static/other.js");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var post = await gateway.Client.PostAsync("/", new StringContent(""));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Theory]
    [InlineData("/metrics/job/victim", "DELETE")]
    [InlineData("/metrics/job/victim", "PUT")]
    [InlineData("/", "GET")]
    public async Task A_cross_origin_preflight_is_never_approved(string path, string method)
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite);
        using var preflight = new HttpRequestMessage(HttpMethod.Options, path);
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", method);
        preflight.Headers.Add("Access-Control-Request-Headers", "x-requested-by");

        using var response = await gateway.Client.SendAsync(preflight);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), path);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Headers"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Methods"));
    }

    [Fact]
    public async Task Deleting_through_the_pages_url_removes_the_group_from_metrics()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite);
        await Pushes.PutAsync(gateway, $"/metrics/job@base64/{Base64Value.Encode("a/b")}/path/x y", "gone_soon 1\n");
        var html = await gateway.Client.GetStringAsync("/");
        var url = Regex.Match(html, "data-url=\"([^\"]+)\"").Groups[1].Value;

        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/" + WebUtility.HtmlDecode(url));
        delete.Headers.Add(WebPageRenderer.RequestedByHeader, "serverlesspush");
        using var response = await gateway.Client.SendAsync(delete);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.DoesNotContain("gone_soon", await gateway.Client.GetStringAsync("/metrics"));
    }

    [Fact]
    public void Relative_times_read_naturally()
    {
        var now = new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal("just now", WebPageRenderer.Relative(now, now));
        Assert.Equal("42 s ago", WebPageRenderer.Relative(now.AddSeconds(-42), now));
        Assert.Equal("5 min ago", WebPageRenderer.Relative(now.AddMinutes(-5.5), now));
        Assert.Equal("3 h ago", WebPageRenderer.Relative(now.AddHours(-3), now));
        Assert.Equal("2 d ago", WebPageRenderer.Relative(now.AddDays(-2), now));
        Assert.Equal("in 10 min", WebPageRenderer.Relative(now.AddMinutes(10), now));
    }
}
