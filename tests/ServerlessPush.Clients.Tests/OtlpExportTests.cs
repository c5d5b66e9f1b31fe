using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ServerlessPush.Clients.Tests.Infrastructure;
using ServerlessPush.Testing;
using Xunit.Abstractions;

namespace ServerlessPush.Clients.Tests;

/// <summary>
/// The OpenTelemetry .NET SDK (1.20.1, OTLP/HTTP protobuf) exports a counter, an up-down counter, a
/// gauge, a histogram and an exponential histogram from clients/dotnet/OpenTelemetryExport.cs to the
/// gateway; a real Prometheus 2.42 with native histograms scrapes it, and every query of
/// docs/otlp.md's translation table gives the value the table says, under the resource's group.
/// </summary>
[Collection(GatewayTargetsCollection.Name)]
public sealed partial class OtlpExportTests(GatewayTargetsFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>(stored name, its type, query, value) per row of the docs' table; the name and type only on a metric's first row.</summary>
    public static IReadOnlyList<(string? Name, string? Type, string Query, double Value)> DocumentedTable()
    {
        var docs = Markdown.Read("docs/otlp.md");
        var start = docs.IndexOf("\n## Translation table\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/otlp.md has no Translation table section");
        var rows = new List<(string?, string?, string, double)>();
        foreach (var line in docs[start..docs.IndexOf("\n## ", start + 1, StringComparison.Ordinal)].Split('\n'))
        {
            var cells = line.Split('|');
            if (cells.Length != 7 || !cells[4].Contains('`', StringComparison.Ordinal))
            {
                continue;
            }
            var stored = StoredCell().Match(cells[3]);
            rows.Add((stored.Success ? stored.Groups[1].Value : null, stored.Success ? stored.Groups[2].Value : null,
                cells[4].Trim().Trim('`'), double.Parse(cells[5].Trim(), CultureInfo.InvariantCulture)));
        }
        return rows;
    }

    [Fact]
    public void The_docs_table_has_a_row_per_instrument_kind()
    {
        var table = DocumentedTable();
        Assert.Equal(9, table.Count);
        Assert.Equal(["counter", "gauge", "gauge", "histogram", "histogram", "gauge"], table.Where(r => r.Type is not null).Select(r => r.Type!));
    }

    [Theory]
    [InlineData(Targets.LocalHost)]
    [InlineData(Targets.Functions)]
    public async Task What_the_sdk_exports_is_scraped_as_the_docs_table_says(string target)
    {
        await using var gateway = await fixture.Gateways.LeaseAsync(target, ClientPushTests.KeyedSettings);
        await using var prometheus = await PrometheusServer.StartAsync(new Uri(gateway.BaseAddress, "metrics"), new PrometheusOptions
        {
            JobName = "serverlesspush",
            BasicAuthUsername = "prometheus",
            BasicAuthPassword = ClientPushTests.ReadKey,
            ExtraArguments = ["--enable-feature=native-histograms"],
        });
        await prometheus.WaitForTargetUpAsync(Timeout);

        OpenTelemetryExport.Run(gateway.BaseAddress.ToString().TrimEnd('/'), ClientPushTests.PushKey);
        // ForceFlush exports, and disposing the provider exports the (same, cumulative) values again.
        var exports = gateway.Recorder!.Requests.Where(r => r.Path == "/v1/metrics").ToList();
        output.WriteLine($"{target}: {string.Join("; ", exports)}");
        Assert.NotEmpty(exports);
        Assert.All(exports, e => Assert.Equal("application/x-protobuf", e.ContentType));

        await prometheus.WaitForQueryAsync("backup_files_total", r => r.Count == 1, Timeout);
        foreach (var (name, type, query, value) in DocumentedTable())
        {
            var result = await prometheus.WaitForQueryAsync(query, r => r.Count == 1, Timeout);
            output.WriteLine($"{query} = {result[0].Value}");
            Assert.Equal(value, result[0].Value, 9);
            Assert.Equal(("nightly/backup", "db-1"), (result[0]["job"], result[0]["instance"]));
            if (name is not null)
            {
                Assert.Equal(type, await MetadataTypeAsync(prometheus, name));
            }
        }
        // The native histogram is native: Prometheus stored no classic bucket series for it.
        Assert.Empty(await prometheus.QueryAsync("backup_latency_milliseconds_bucket"));
        Assert.Single(await prometheus.QueryAsync("push_time_seconds{job=\"nightly/backup\",instance=\"db-1\"}"));
    }

    [Theory]
    [InlineData(Targets.LocalHost)]
    [InlineData(Targets.Functions)]
    public async Task The_documented_curl_json_export_is_stored(string target)
    {
        var docs = Markdown.Read("docs/otlp.md");
        var block = CurlBlock().Match(docs);
        Assert.True(block.Success, "docs/otlp.md has no ```bash block with the curl export");
        await using var gateway = await fixture.Gateways.LeaseAsync(target, ClientPushTests.KeyedSettings);
        var run = await ClientProcess.RunAsync("bash", ["-c", block.Groups[1].Value], new Dictionary<string, string?>
        {
            ["GATEWAY_URL"] = gateway.BaseAddress.ToString().TrimEnd('/'),
            ["PUSH_KEY"] = ClientPushTests.PushKey,
        });
        Assert.True(run.ExitCode == 0 && run.StdOut.Trim() == "{ }", run.ToString());
        gateway.Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ClientPushTests.ReadKey);
        Assert.Contains("backup_files_total{instance=\"\",job=\"backup\"} 42\n", await gateway.Client.GetStringAsync("metrics"), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"```bash\n(curl [\s\S]*?)```\n")]
    private static partial Regex CurlBlock();

    private static async Task<string?> MetadataTypeAsync(PrometheusServer prometheus, string metric)
    {
        using var http = new HttpClient();
        var json = await http.GetStringAsync(new Uri(prometheus.BaseAddress, "api/v1/targets/metadata?metric=" + metric));
        using var doc = JsonDocument.Parse(json);
        return Assert.Single(doc.RootElement.GetProperty("data").EnumerateArray()).GetProperty("type").GetString();
    }

    [GeneratedRegex(@"^\s*`([a-z_]+)` \(([a-z]+)")]
    private static partial Regex StoredCell();
}
