using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using ServerlessPush.Core.Storage;
using ServerlessPush.Testing;
using ServerlessPush.WebPage.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ServerlessPush.WebPage.Tests;

/// <summary>
/// How long <c>GET /</c> takes with 10,000 groups, over loopback HTTP to the local host: once over
/// Azurite (page plus storage emulator) and once over an in-memory store (the page's own cost).
/// Reported, not asserted tightly: the numbers go to the test log and to
/// test-output/webpage-load-time-*.txt.
/// </summary>
public sealed class WebPageLoadTimeTests(ITestOutputHelper output)
{
    public const int Groups = 10_000;

    [Fact]
    public async Task Page_with_10000_groups_in_azurite_loads_and_is_paged()
    {
        // An Azurite of its own: 10,000 writes keep it busy, and other tests should not wait on it.
        await using var azurite = await AzuriteServer.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(azurite);
        await MeasureAsync(gateway, "azurite", "local host + Azurite (in memory)");
    }

    [Fact]
    public async Task Page_with_10000_groups_in_memory_loads_and_is_paged()
    {
        var store = new InMemoryGroupStore();
        await using var gateway = await GatewayServer.StartAsync(
            "UseDevelopmentStorage=true", configure: builder => builder.Services.AddSingleton<IGroupStore>(store));
        await MeasureAsync(gateway, "in-memory", "local host + in-memory store (the page's own cost)");
    }

    private async Task MeasureAsync(GatewayServer gateway, string name, string setup)
    {
        var write = Stopwatch.StartNew();
        await Pushes.WriteGroupsAsync(gateway, Groups, parallelism: 16);
        write.Stop();

        var times = new List<(string What, double Ms, int Bytes)>();
        async Task<string> Load(string what, string url)
        {
            var watch = Stopwatch.StartNew();
            var html = await gateway.Client.GetStringAsync(url);
            watch.Stop();
            times.Add((what, watch.Elapsed.TotalMilliseconds, Encoding.UTF8.GetByteCount(html)));
            return html;
        }

        var first = await Load("first load, page 1", "/");
        for (var i = 0; i < 3; i++)
        {
            await Load("again, page 1", "/");
        }
        var middle = await Load("page 50", "/?page=50");
        var filtered = await Load("filter job=\"load-07\"", "/?q=" + Uri.EscapeDataString("job=\"load-07\""));
        var metrics = Stopwatch.StartNew();
        await gateway.Client.GetStringAsync("/metrics");
        metrics.Stop();

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Web page with {Groups:N0} groups (3 series each), {setup}, loopback HTTP:");
        report.AppendLine(CultureInfo.InvariantCulture, $"  writing the groups through IGroupStore, 16 in parallel: {write.Elapsed.TotalSeconds:F1} s");
        foreach (var (what, ms, bytes) in times)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"  GET / {what}: {ms:F0} ms ({bytes / 1024.0:F0} KiB of HTML)");
        }
        report.AppendLine(CultureInfo.InvariantCulture, $"  for comparison, GET /metrics: {metrics.Elapsed.TotalMilliseconds:F0} ms");
        output.WriteLine(report.ToString());
        await File.WriteAllTextAsync(TestOutput.PathFor($"webpage-load-time-{name}.txt"), report.ToString());

        Assert.Equal(100, Regex.Matches(first, "<li class=\"group").Count);
        Assert.Contains("<strong class=\"group-count\">10,000</strong> groups, <strong class=\"series-count\">30,000</strong> series", first);
        Assert.Contains("Page 1 of 100", first);
        Assert.Contains("Page 50 of 100", middle);
        Assert.Contains("<strong class=\"group-count\">200</strong> groups", filtered);
        // Generous: only catches a page that stopped paging or went quadratic.
        Assert.True(times.Min(t => t.Ms) < 30_000, report.ToString());
    }
}
