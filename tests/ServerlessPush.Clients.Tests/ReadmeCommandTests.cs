using ServerlessPush.Clients.Tests.Infrastructure;
using ServerlessPush.Testing;

namespace ServerlessPush.Clients.Tests;

/// <summary>
/// The commands README.md gives a newcomer, run as written (only the documented address replaced
/// by a local gateway's): the blog walkthrough with curl, the Go client's module step, and the
/// scrape config checked by Debian's promtool.
/// </summary>
[Collection(GatewayTargetsCollection.Name)]
public sealed class ReadmeCommandTests(GatewayTargetsFixture fixture)
{
    private const string DocumentedAddress = "http://127.0.0.1:9091";

    [Fact]
    public async Task The_blog_walkthrough_pushes_scrapes_and_deletes_as_written()
    {
        var block = Markdown.BashBlockAfter("The blog walkthrough the product started from");
        Assert.Contains(DocumentedAddress, block);
        await using var gateway = await fixture.Gateways.LeaseAsync(Targets.LocalHost, ClientPushTests.AnonymousSettings);

        // curl as written, but failing the script on an HTTP error (the block's curl calls do not say -f).
        var script = "set -euo pipefail\ncurl() { command curl -sS --fail-with-body \"$@\"; }\n"
            + block.Replace(DocumentedAddress, gateway.BaseAddress.ToString().TrimEnd('/'), StringComparison.Ordinal);
        var run = await ClientProcess.RunAsync("bash", ["-c", script]);
        Assert.True(run.ExitCode == 0, run.ToString());

        // The scrape in the middle of the block saw both pushes (PUT then POST of another family).
        Assert.Contains("success_rate{instance=\"\",job=\"test\",target=\"app1\"} 30", run.StdOut);
        Assert.Contains("fail_rate{instance=\"\",job=\"test\",target=\"app1\"} 60", run.StdOut);
        // The DELETE at the end removed the group.
        var after = await gateway.Client.GetStringAsync("metrics");
        Assert.DoesNotContain("job=\"test\"", after);
    }

    [Fact]
    public async Task The_go_module_step_for_Debian_runs_the_client_as_written()
    {
        var block = Markdown.BashBlockAfter("`go run push.go` needs the module first");
        var line = Assert.Single(block.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // The documented step is the environment the test build uses.
        foreach (var (name, value) in GoClient.Environment.Where(e => e.Key is "GO111MODULE" or "GOPATH"))
        {
            Assert.Contains($"{name}={value}", line);
        }
        await using var gateway = await fixture.Gateways.LeaseAsync(Targets.LocalHost, ClientPushTests.AnonymousSettings);
        var directory = Directory.CreateTempSubdirectory("serverlesspush-readme-go-").FullName;
        try
        {
            File.Copy(Path.Combine(ClientFiles.Directory, "go", "push.go"), Path.Combine(directory, "push.go"));
            var command = line.Replace(DocumentedAddress, gateway.BaseAddress.ToString().TrimEnd('/'), StringComparison.Ordinal);
            var run = await ClientProcess.RunAsync("bash", ["-c", command],
                new Dictionary<string, string?> { ["GOCACHE"] = GoClient.Environment["GOCACHE"], ["GOFLAGS"] = "", ["GOPROXY"] = "off" },
                workingDirectory: directory, timeout: TimeSpan.FromMinutes(4));
            Assert.True(run.ExitCode == 0 && run.StdOut.Contains("push: ok", StringComparison.Ordinal), run.ToString());
            var scraped = await gateway.Client.GetStringAsync("metrics");
            Assert.Contains("backup_size_bytes{instance=\"db-1\",job=\"backup\",site=\"eu\"} 1234", scraped);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_documented_scrape_config_passes_promtool()
    {
        var promtool = RepoPaths.Executable("PROMTOOL_BIN", "Install it with 'apt-get install prometheus' (.ci/run does).", "promtool");
        var directory = Directory.CreateTempSubdirectory("serverlesspush-readme-promtool-").FullName;
        try
        {
            // promtool checks that the credentials file exists: the only substitution.
            var keyFile = Path.Combine(directory, "read-key");
            await File.WriteAllTextAsync(keyFile, "k\n");
            var config = Path.Combine(directory, "prometheus.yml");
            var documented = DocsTests.ScrapeConfig();
            Assert.Contains(DocsTests.DocumentedReadKeyFile, documented);
            await File.WriteAllTextAsync(config, documented.Replace(DocsTests.DocumentedReadKeyFile, keyFile, StringComparison.Ordinal));
            var run = await ClientProcess.RunAsync(promtool, ["check", "config", config]);
            Assert.True(run.ExitCode == 0 && run.StdOut.Contains("SUCCESS", StringComparison.Ordinal), run.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
