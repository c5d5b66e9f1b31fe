using System.Text.Json;
using ServerlessPush.Clients.Tests.Infrastructure;
using ServerlessPush.Testing;
using Xunit.Abstractions;

namespace ServerlessPush.Clients.Tests;

/// <summary>
/// A real Prometheus (Debian's 2.42) scrapes the gateway every second with the scrape config from
/// README.md (honor_labels, the read key); a pushed group is queried back with its job, instance
/// and grouping labels, and goes stale once deleted. Against each target (the reference ignores the key).
/// </summary>
[Collection(GatewayTargetsCollection.Name)]
public sealed class PrometheusScrapeTests(GatewayTargetsFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [MemberData(nameof(Targets.AllNames), MemberType = typeof(Targets))]
    public async Task A_pushed_group_is_queryable_with_its_labels_and_goes_stale_when_deleted(string target)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Step(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0}s {what}");
        await using var gateway = await fixture.Gateways.LeaseAsync(target, ClientPushTests.KeyedSettings);
        Step("gateway started");
        var readKeyFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(readKeyFile, ClientPushTests.ReadKey + "\n");
        try
        {
            await using var prometheus = await PrometheusServer.StartAsync(new Uri(gateway.BaseAddress, "metrics"), new PrometheusOptions
            {
                JobName = "serverlesspush",
                ExtraArguments = ["--web.enable-lifecycle"],
            });
            Step("prometheus ready");
            await UseDocumentedScrapeConfigAsync(prometheus, gateway.BaseAddress, readKeyFile);
            await prometheus.WaitForTargetUpAsync(Timeout);
            Step("target up");

            var python = PushClient.All["python"];
            var pushed = await python.RunAsync(PushOp.Push, gateway.BaseAddress, ClientPushTests.PushKey);
            Assert.True(pushed.Succeeded, pushed.Details);
            // A counter whose name lacks _total, as shell scripts push them.
            using (var push = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.BaseAddress, "metrics/job/backup/instance/db-1/site/eu"))
            {
                Content = new StringContent("# TYPE backup_runs counter\nbackup_runs 7\n"),
            })
            {
                push.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ClientPushTests.PushKey);
                using var http = new HttpClient();
                using var response = await http.SendAsync(push);
                Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            Step("pushed");

            const string selector = "{job=\"backup\",instance=\"db-1\",site=\"eu\"}";
            var size = await prometheus.WaitForQueryAsync($"backup_size_bytes{selector}", r => r.Count == 1, Timeout);
            Step("queried");
            Assert.Equal(1234, size[0].Value);
            Assert.Equal(new Dictionary<string, string>
            {
                ["__name__"] = "backup_size_bytes", ["job"] = "backup", ["instance"] = "db-1", ["site"] = "eu",
            }, size[0].Labels);
            Assert.Equal(42, Assert.Single(await prometheus.QueryAsync($"backup_files_total{selector}")).Value);
            // Prometheus asks for OpenMetrics first; every target answers text 0.0.4, as the Pushgateway
            // does, so Prometheus 2.x stores the bound as pushed (le="5", not OpenMetrics's "5.0") and the
            // counter without _total under its own name, typed counter.
            var bucket = Assert.Single(await prometheus.QueryAsync("backup_duration_seconds_bucket{job=\"backup\",instance=\"db-1\",site=\"eu\",le=~\"5|5.0\"}"));
            Assert.Equal(("5", 1.0), (bucket["le"], bucket.Value));
            var runs = await prometheus.WaitForQueryAsync($"backup_runs{selector}", r => r.Count == 1, Timeout);
            Assert.Equal(7, runs[0].Value);
            Assert.Equal("counter", await MetadataTypeAsync(prometheus, "backup_runs"));
            Assert.Equal("counter", await MetadataTypeAsync(prometheus, "backup_files_total"));
            Assert.Equal("histogram", await MetadataTypeAsync(prometheus, "backup_duration_seconds"));
            Assert.Equal(3.2, Assert.Single(await prometheus.QueryAsync($"backup_duration_seconds_sum{selector}")).Value);
            Assert.Single(await prometheus.QueryAsync($"push_time_seconds{selector}"));
            await AssertScrapeHealthyAsync(prometheus);

            var deleted = await python.RunAsync(PushOp.Delete, gateway.BaseAddress, ClientPushTests.PushKey);
            Assert.True(deleted.Succeeded, deleted.Details);
            Step("deleted");
            await prometheus.WaitForQueryAsync($"{{job=\"backup\"}}", r => r.Count == 0, Timeout);
            Step("stale");
            await AssertScrapeHealthyAsync(prometheus);
        }
        finally
        {
            File.Delete(readKeyFile);
        }
    }

    /// <summary>
    /// Replaces PrometheusServer's config with the scrape config documented in README.md, pointed at
    /// the local host (http, its port, the read key file) and scraping every second; then reloads Prometheus.
    /// </summary>
    private static async Task UseDocumentedScrapeConfigAsync(PrometheusServer prometheus, Uri gateway, string readKeyFile)
    {
        var documented = DocsTests.ScrapeConfig();
        Assert.Contains("honor_labels: true", documented);
        var config = documented
            .Replace("scheme: https", "scheme: http", StringComparison.Ordinal)
            .Replace("scrape_interval: 30s", "scrape_interval: 1s", StringComparison.Ordinal)
            .Replace("scrape_timeout: 20s", "scrape_timeout: 1s", StringComparison.Ordinal)
            .Replace(DocsTests.DocumentedHost, gateway.Authority, StringComparison.Ordinal)
            .Replace(DocsTests.DocumentedReadKeyFile, readKeyFile, StringComparison.Ordinal);
        Assert.True(!config.Contains("https", StringComparison.Ordinal) && !config.Contains("30s", StringComparison.Ordinal)
            && !config.Contains(DocsTests.DocumentedHost, StringComparison.Ordinal) && config.Contains(readKeyFile, StringComparison.Ordinal),
            "the documented scrape config changed shape; adjust the substitutions:\n" + config);
        await File.WriteAllTextAsync(prometheus.ConfigFile, config);
        using var http = new HttpClient();
        using var reload = await http.PostAsync(new Uri(prometheus.BaseAddress, "-/reload"), null);
        Assert.True(reload.IsSuccessStatusCode, $"reload: {(int)reload.StatusCode} {await reload.Content.ReadAsStringAsync()}\n{config}\n{prometheus.Output}");
        var loaded = await http.GetStringAsync(new Uri(prometheus.BaseAddress, "api/v1/status/config"));
        Assert.Contains(JsonEncodedText.Encode(readKeyFile).ToString(), loaded);
    }

    /// <summary>The type Prometheus recorded for a metric from the last scrape (targets metadata API).</summary>
    private static async Task<string?> MetadataTypeAsync(PrometheusServer prometheus, string metric)
    {
        using var http = new HttpClient();
        var json = await http.GetStringAsync(new Uri(prometheus.BaseAddress, "api/v1/targets/metadata?metric=" + metric));
        using var doc = JsonDocument.Parse(json);
        var entry = Assert.Single(doc.RootElement.GetProperty("data").EnumerateArray());
        return entry.GetProperty("type").GetString();
    }

    /// <summary>The target is up with no scrape error (the gateway answered Prometheus's Accept).</summary>
    private static async Task AssertScrapeHealthyAsync(PrometheusServer prometheus)
    {
        using var http = new HttpClient();
        var json = await http.GetStringAsync(new Uri(prometheus.BaseAddress, "api/v1/targets?state=active"));
        using var doc = JsonDocument.Parse(json);
        var target = Assert.Single(doc.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray());
        Assert.True(target.GetProperty("health").GetString() == "up" && target.GetProperty("lastError").GetString() == "", json);
        Assert.Equal("serverlesspush", target.GetProperty("labels").GetProperty("job").GetString());
    }
}
