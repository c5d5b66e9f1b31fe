using System.Text.Json;
using System.Text.RegularExpressions;

namespace ServerlessPush.Infra.Tests;

/// <summary><c>bicep build</c>, <c>bicep lint</c> and <c>bicep snapshot</c> run clean, offline.</summary>
[Collection(InfraCollection.Name)]
public sealed class BicepToolingTests(InfraFixture infra)
{
    private static IReadOnlyList<string> BicepFiles =>
    [
        .. Directory.EnumerateFiles(BicepCli.InfraDirectory, "*.bicep", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(BicepCli.InfraDirectory, "*.bicepparam", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal),
    ];

    [Fact]
    public void Build_has_no_errors_or_warnings()
    {
        Assert.True(infra.Build.IsClean, infra.Build.ToString());
    }

    [Fact]
    public void Snapshots_have_no_errors_or_warnings()
    {
        Assert.True(infra.SnapshotRun.IsClean, infra.SnapshotRun.ToString());
        Assert.True(infra.OverrideSnapshotRun.IsClean, infra.OverrideSnapshotRun.ToString());
        Assert.Empty(infra.Snapshot.Root.GetProperty("diagnostics").EnumerateArray());
        Assert.Empty(infra.OverrideSnapshot.Root.GetProperty("diagnostics").EnumerateArray());
    }

    // One process for every file: the glob matches *.bicep and *.bicepparam (A_linter_warning_fails_the_lint
    // shows that it reaches modules and the parameters file).
    private const string LintPattern = "**/*.bicep*";

    [Fact]
    public async Task Lint_is_clean_for_every_bicep_and_bicepparam_file()
    {
        var relative = BicepFiles.Select(f => Path.GetRelativePath(BicepCli.InfraDirectory, f).Replace('\\', '/')).ToList();
        Assert.Contains("main.bicep", relative);
        Assert.Contains("main.bicepparam", relative);
        Assert.Contains(relative, f => f.StartsWith("modules/", StringComparison.Ordinal));

        var result = await BicepCli.RunAsync(BicepCli.InfraDirectory, null, "lint", "--pattern", LintPattern);

        Assert.True(result.IsClean, result.ToString());
    }

    [Fact]
    public void Bicepconfig_raises_every_configured_rule_to_error()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(BicepCli.InfraDirectory, "bicepconfig.json")));
        var core = config.RootElement.GetProperty("analyzers").GetProperty("core");
        Assert.True(core.GetProperty("enabled").GetBoolean());

        var rules = core.GetProperty("rules").EnumerateObject().ToList();
        // The default-on rules that matter most for this template must be listed.
        foreach (var rule in new[] { "no-unused-params", "no-hardcoded-env-urls", "outputs-should-not-contain-secrets", "secure-secrets-in-params", "use-resource-symbol-reference" })
        {
            Assert.Contains(rules, r => r.Name == rule);
        }

        var notError = rules.Where(r => r.Value.GetProperty("level").GetString() != "error").Select(r => r.Name).ToList();
        Assert.True(notError.Count == 0, "rules below error level: " + string.Join(", ", notError));
    }

    [Fact]
    public async Task A_linter_warning_fails_the_lint()
    {
        // Proves the lint test can fail: default-level warnings (unused parameter, unused variable) must be
        // errors, in a module and in the parameters file alike.
        var copy = BicepCli.CopyInfra(infra.TempRoot);
        await File.AppendAllTextAsync(Path.Combine(copy, "modules", "identity.bicep"), "\nparam unusedOnPurpose string\n");
        await File.AppendAllTextAsync(Path.Combine(copy, "main.bicepparam"), "\nvar unusedOnPurpose = 'x'\n");

        var result = await BicepCli.RunAsync(copy, null, "lint", "--pattern", LintPattern);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(@"identity\.bicep\(\d+,\d+\) : Error no-unused-params", result.Output);
        Assert.Matches(@"main\.bicepparam\(\d+,\d+\) : Error no-unused-vars", result.Output);
    }

    [Fact]
    public void Committed_snapshot_matches_the_templates()
    {
        // infra/main.snapshot.json shows reviewers what a change deploys. Regenerate it after editing infra/
        // (command in README.md, "Deploy to Azure"). Compared here with the fixture's fresh snapshot of the same context,
        // which is what `bicep snapshot --mode validate` does, without another CLI run.
        var path = Path.Combine(BicepCli.InfraDirectory, "main.snapshot.json");
        Assert.True(File.Exists(path), "infra/main.snapshot.json is missing");
        var committed = new Snapshot(JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone());

        var freshById = infra.Snapshot.Resources.ToDictionary(Snapshot.Id);
        var committedById = committed.Resources.ToDictionary(Snapshot.Id);
        Assert.Equal(freshById.Keys.Order(), committedById.Keys.Order());
        foreach (var (id, fresh) in freshById)
        {
            Assert.True(
                JsonElement.DeepEquals(fresh, committedById[id]),
                $"infra/main.snapshot.json is stale for {id}; regenerate it (README.md, section Deploy to Azure).");
        }

        Assert.Equal(infra.Snapshot.Outputs, committed.Outputs);
    }

    [Fact]
    public void Templates_use_no_registry_modules()
    {
        // br:/br/public:/ts: modules need network access to restore; every resource is declared here.
        var registry = new Regex(@"^\s*module\s+\w+\s+'(br|ts)[:/]", RegexOptions.Multiline);
        var offenders = BicepFiles.Where(f => registry.IsMatch(File.ReadAllText(f))).ToList();
        Assert.Empty(offenders);
    }
}
