using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ServerlessPush.FunctionsHost;
using ServerlessPush.FunctionsHost.Metadata;

namespace ServerlessPush.Functions.Tests;

/// <summary>
/// The published app run as the Functions host runs it (gRPC event stream, HTTP forwarded to the
/// worker's own listener, timers), over Azurite: every function loads, the HTTP API works, and
/// the expiry timer fires and deletes an expired group.
/// </summary>
public sealed class FunctionsHostTests(FunctionsHostFixture fixture) : IClassFixture<FunctionsHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    [Fact]
    public async Task Every_function_loads_and_every_http_route_is_mapped()
    {
        // Every function the build generated (functions.metadata), as the worker reported it.
        var built = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(await PublishedFunctionsApp.GetAsync(), "functions.metadata")))!
            .AsArray().Select(f => f!["name"]!.GetValue<string>()).Order().ToList();
        var functions = fixture.Host.Functions;
        Assert.Equal(built, functions.Select(f => f.Name).Order().ToList());
        Assert.All(functions, f => Assert.True(f.State == FunctionState.Ready, $"{f.Name}: {f.State} {f.Error}\n{fixture.Host.Log}"));
        Assert.True(fixture.Host.Log.Contains($"{functions.Count} functions loaded"), fixture.Host.Log.ToString());
        var mapped = fixture.Host.Log.Lines.SelectMany(l => l.Split('\n')).Where(l => l.StartsWith("Mapped function route", StringComparison.Ordinal)).ToList();
        Assert.Equal(functions.Count(f => f.IsHttpTrigger), mapped.Count);
        Assert.Equal(FunctionsHostFixture.Schedule, Assert.Single(functions, f => f.IsTimerTrigger).Route);
        // The worker announced its own HTTP listener (ASP.NET Core integration): requests are forwarded there.
        Assert.NotNull(fixture.Host.WorkerCapabilities.HttpUri);
    }

    [Fact]
    public async Task Push_add_scrape_and_delete_work_through_the_host()
    {
        const string job = "/metrics/job/fh/instance/i1";
        using (var put = await Client.PutAsync(job, new StringContent("# TYPE a gauge\na 1\nb 2\n", Encoding.UTF8, "text/plain")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        using (var post = await Client.PostAsync(job, new StringContent("a 3\n")))
        {
            Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        }
        var scrape = await Client.GetStringAsync("/metrics");
        Assert.Contains("a{instance=\"i1\",job=\"fh\"} 3\n", scrape);
        Assert.Contains("b{instance=\"i1\",job=\"fh\"} 2\n", scrape);

        var api = JsonNode.Parse(await Client.GetStringAsync("/api/v1/metrics"))!;
        Assert.Equal("success", api["status"]!.GetValue<string>());
        Assert.Contains(api["data"]!.AsArray(), g => g!["labels"]!["job"]!.GetValue<string>() == "fh");

        using (var delete = await Client.DeleteAsync(job))
        {
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        }
        Assert.DoesNotContain("job=\"fh\"", await Client.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Status_probes_page_and_static_files_answer()
    {
        using var status = await Client.GetAsync("/api/v1/status");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal("success", JsonNode.Parse(await status.Content.ReadAsStringAsync())!["status"]!.GetValue<string>());

        foreach (var probe in new[] { "/-/healthy", "/-/ready" })
        {
            using var response = await Client.GetAsync(probe);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{probe}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        using var page = await Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.StartsWith("text/html", page.Content.Headers.ContentType?.ToString());
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Functions test host", html); // the app's page, not the host's
        var script = System.Text.RegularExpressions.Regex.Match(html, "src=\"/?(static/[^\"]+)\"");
        Assert.True(script.Success, html);
        using var file = await Client.GetAsync("/" + script.Groups[1].Value);
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);

        using var statusPage = await Client.GetAsync("/status");
        Assert.Equal(HttpStatusCode.OK, statusPage.StatusCode);
        Assert.StartsWith("text/html", statusPage.Content.Headers.ContentType?.ToString());
        Assert.Contains("<section id=\"storage\" class=\"card healthy\">", await statusPage.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Wipe_empties_the_gateway()
    {
        using (var put = await Client.PutAsync("/metrics/job/towipe", new StringContent("m 1\n")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        using (var wipe = await Client.PutAsync("/api/v1/admin/wipe", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, wipe.StatusCode);
        }
        Assert.DoesNotContain("job=\"towipe\"", await Client.GetStringAsync("/metrics"));
    }

    /// <summary>The timer fires on its schedule (every 2 s here) and deletes a group whose TTL has passed.</summary>
    [Fact]
    public async Task The_expiry_timer_fires_and_deletes_an_expired_group()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/metrics/job/short-lived") { Content = new StringContent("m 1\n") };
        request.Headers.Add("X-ServerlessPush-TTL", "3s");
        using (var put = await Client.SendAsync(request))
        {
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        }
        Assert.Contains("job=\"short-lived\"", await Client.GetStringAsync("/metrics"));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && (await Client.GetStringAsync("/metrics")).Contains("job=\"short-lived\"", StringComparison.Ordinal))
        {
            await Task.Delay(250);
        }
        Assert.True(!(await Client.GetStringAsync("/metrics")).Contains("job=\"short-lived\"", StringComparison.Ordinal),
            "the expired group is still there after 30 s\n" + fixture.Host.Log);
        Assert.True(fixture.Host.Log.Contains("Executed 'Functions.ExpirySweep' (Succeeded"), fixture.Host.Log.ToString());
    }

    [Fact]
    public async Task The_expiry_timer_runs_on_demand()
    {
        await fixture.Host.InvokeTimerAsync("ExpirySweep");
        Assert.True(fixture.Host.Log.Contains("This function was programmatically called via the host APIs."), fixture.Host.Log.ToString());
    }

    [Fact]
    public async Task The_worker_answers_status_requests()
    {
        var latency = await fixture.Host.GetWorkerStatusAsync();
        Assert.True(latency < TimeSpan.FromSeconds(10), latency.ToString());
    }
}
