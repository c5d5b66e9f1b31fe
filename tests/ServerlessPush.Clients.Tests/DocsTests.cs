using System.Text.RegularExpressions;
using ServerlessPush.Clients.Tests.Infrastructure;
using ServerlessPush.Testing;

namespace ServerlessPush.Clients.Tests;

/// <summary>README.md shows the programs the client tests run, verbatim, and the scrape config the Prometheus test uses.</summary>
public sealed partial class DocsTests
{
    public const string DocumentedHost = "func-pushgw-abc123.azurewebsites.net";
    public const string DocumentedReadKeyFile = "/etc/prometheus/secrets/serverlesspush-read-key";

    public static string DocsPath => Path.Combine(RepoPaths.Root, "README.md");

    public static TheoryData<string> ClientFileNames => [.. ClientFileList()];

    private static IEnumerable<string> ClientFileList() => Directory
        .EnumerateFiles(ClientFiles.Source(""), "*", SearchOption.AllDirectories)
        .Select(f => Path.GetRelativePath(ClientFiles.Source(""), f).Replace('\\', '/'))
        .Order(StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(ClientFileNames))]
    public void The_docs_contain_each_client_program_verbatim(string file)
    {
        var text = File.ReadAllText(ClientFiles.Source(file)).ReplaceLineEndings("\n");
        var docs = File.ReadAllText(DocsPath).ReplaceLineEndings("\n");
        Assert.True(docs.Contains("\n" + text + "```\n", StringComparison.Ordinal),
            $"README.md does not contain tests/ServerlessPush.Clients.Tests/clients/{file} verbatim as a code block. Paste the file in again.");
    }

    [Fact]
    public void Every_client_program_is_run_by_a_test()
    {
        var run = PushClient.All.Values.OfType<ScriptClient>().Select(c => c.Script)
            .Concat(["go/push.go", "dotnet/PrometheusNetPush.cs", "dotnet/OpenTelemetryExport.cs"]);
        Assert.Equal(ClientFileList(), run.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_documented_scrape_config_keeps_pushed_labels()
    {
        var config = ScrapeConfig();
        Assert.Contains("honor_labels: true", config);
        Assert.Contains("metrics_path: /metrics", config);
        Assert.Contains($"targets: ['{DocumentedHost}']", config);
        Assert.Contains($"credentials_file: {DocumentedReadKeyFile}", config);
    }

    [Fact]
    public void The_scrape_config_is_printed_once()
    {
        // One block, tested; the deploy section points to it rather than keeping a copy that drifts.
        var docs = File.ReadAllText(DocsPath);
        Assert.Equal(1, Regex.Count(docs, @"^scrape_configs:", RegexOptions.Multiline));
    }

    /// <summary>The yaml block of the "### Prometheus" section of README.md.</summary>
    public static string ScrapeConfig()
    {
        var docs = File.ReadAllText(DocsPath).ReplaceLineEndings("\n");
        var match = ScrapeConfigBlock().Match(docs);
        Assert.True(match.Success, "README.md has no ```yaml block under '### Prometheus'");
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"\n### Prometheus\n(?:(?!\n### )[\s\S])*?```yaml\n([\s\S]*?)```\n")]
    private static partial Regex ScrapeConfigBlock();
}
