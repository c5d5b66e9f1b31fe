using System.Net;
using System.Text;

namespace ServerlessPush.Testing.Tests;

public sealed class PrometheusServerTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public void Config_scrapes_one_target_with_honor_labels_and_optional_basic_auth()
    {
        var yaml = PrometheusServer.BuildConfig(new Uri("http://127.0.0.1:1234/"), new PrometheusOptions
        {
            BasicAuthUsername = "scraper",
            BasicAuthPassword = "it's secret",
        });
        Assert.Contains("scrape_interval: 1000ms", yaml, StringComparison.Ordinal);
        Assert.Contains("honor_labels: true", yaml, StringComparison.Ordinal);
        Assert.Contains("metrics_path: '/metrics'", yaml, StringComparison.Ordinal);
        Assert.Contains("targets: ['127.0.0.1:1234']", yaml, StringComparison.Ordinal);
        Assert.Contains("password: 'it''s secret'", yaml, StringComparison.Ordinal);

        var noAuth = PrometheusServer.BuildConfig(new Uri("http://127.0.0.1:1234/custom"), new PrometheusOptions());
        Assert.DoesNotContain("basic_auth", noAuth, StringComparison.Ordinal);
        Assert.Contains("metrics_path: '/custom'", noAuth, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrapes_the_reference_pushgateway_with_honor_labels()
    {
        await using var gateway = await ReferencePushgateway.StartAsync();
        using var push = await Http.PutAsync(new Uri(gateway.BaseAddress, "metrics/job/batch/instance/a"),
            new StringContent("fixture_scraped 7\n", Encoding.UTF8, "text/plain"));
        Assert.True(push.IsSuccessStatusCode);

        string tempDir;
        await using (var prometheus = await PrometheusServer.StartAsync(new Uri(gateway.BaseAddress, "metrics"),
                         new PrometheusOptions { BasicAuthUsername = "u", BasicAuthPassword = "p" }))
        {
            tempDir = Path.GetDirectoryName(prometheus.ConfigFile)!;
            using var ready = await Http.GetAsync(new Uri(prometheus.BaseAddress, "-/ready"));
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

            await prometheus.WaitForTargetUpAsync(TimeSpan.FromSeconds(30));
            var samples = await prometheus.WaitForQueryAsync("fixture_scraped", r => r.Count == 1, TimeSpan.FromSeconds(30));
            Assert.Equal(7, samples[0].Value);
            Assert.Equal("batch", samples[0]["job"]);      // honored, not the scrape job "pushgateway"
            Assert.Equal("a", samples[0]["instance"]);
        }
        Assert.False(Directory.Exists(tempDir), "temp dir removed on dispose");
    }
}
