using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ServerlessPush.Infra.Tests;

/// <summary>
/// infra/hooks/postprovision.sh and rotate-key.sh, run by /bin/sh (dash here, so bash-only syntax
/// fails) against Hooks/fake-az.sh, a stand-in for the Azure CLI that keeps secrets as files. This
/// checks the scripts' own logic (create once, keep existing keys, never print or pass a value on a
/// command line, wait for the references), not Azure's behaviour.
/// </summary>
[Collection(InfraCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // sh scripts; the suite runs where the linux-x64 Bicep CLI runs
public sealed partial class HookScriptTests(InfraFixture infra) : IDisposable
{
    private static readonly string HooksDirectory = Path.Combine(BicepCli.InfraDirectory, "hooks");

    private readonly string _root = Path.Combine(infra.TempRoot, "hooks-" + Guid.NewGuid().ToString("N")[..8]);

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HexKey();

    private string State => Path.Combine(_root, "state");

    private string SecretsDirectory => Path.Combine(State, "secrets");

    /// <summary>The secrets the app settings refer to, from the snapshot: what the fake resolves.</summary>
    private static IReadOnlyList<string> Referenced => [.. KeyVaultTests.ExpectedReferences.Values];

    private void Arrange(IReadOnlyDictionary<string, string>? existing = null, int forbiddenLists = 0, int unresolvedRefreshes = 0, IEnumerable<string>? references = null)
    {
        var bin = Path.Combine(_root, "bin");
        Directory.CreateDirectory(bin);
        Directory.CreateDirectory(SecretsDirectory);
        var az = Path.Combine(bin, "az");
        File.Copy(Path.Combine(BicepCli.RepoRoot, "tests", "ServerlessPush.Infra.Tests", "Hooks", "fake-az.sh"), az, overwrite: true);
        File.SetUnixFileMode(az, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        File.WriteAllText(Path.Combine(State, "forbidden"), forbiddenLists.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.WriteAllText(Path.Combine(State, "unresolved"), unresolvedRefreshes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.WriteAllLines(Path.Combine(State, "references"), references ?? Referenced);
        foreach (var (name, value) in existing ?? new Dictionary<string, string>())
        {
            File.WriteAllText(Path.Combine(SecretsDirectory, name), value);
        }
    }

    private Task<(int ExitCode, string Output)> RunAsync(string script, params string[] arguments) =>
        RunAsync(script, new Dictionary<string, string>(), arguments);

    private async Task<(int ExitCode, string Output)> RunAsync(string script, IReadOnlyDictionary<string, string> environment, string[] arguments)
    {
        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        startInfo.ArgumentList.Add(Path.Combine(HooksDirectory, script));
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Clear();
        startInfo.Environment["PATH"] = Path.Combine(_root, "bin") + ":/usr/bin:/bin";
        startInfo.Environment["TMPDIR"] = _root;
        startInfo.Environment["FAKE_AZ_STATE"] = State;
        startInfo.Environment["GATEWAY_VAULT_NAME"] = "kv-pushgw-test";
        startInfo.Environment["AZURE_FUNCTION_APP_NAME"] = "func-pushgw-test";
        startInfo.Environment["AZURE_RESOURCE_GROUP"] = "rg-test";
        startInfo.Environment["PUSHGW_HOOK_ATTEMPTS"] = "3";
        startInfo.Environment["PUSHGW_HOOK_DELAY_SECONDS"] = "0";
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private Dictionary<string, string> Secrets() =>
        Directory.EnumerateFiles(SecretsDirectory).ToDictionary(f => Path.GetFileName(f), File.ReadAllText);

    private string[] Calls() =>
        File.Exists(Path.Combine(State, "calls")) ? File.ReadAllLines(Path.Combine(State, "calls")) : [];

    private string[] SetCalls() => [.. Calls().Where(c => c.StartsWith("keyvault secret set ", StringComparison.Ordinal))];

    private static Dictionary<string, string> Preset(IEnumerable<string> names) =>
        names.ToDictionary(n => n, n => "kept-" + n);

    [Fact]
    public async Task First_run_creates_every_referenced_secret_with_its_own_random_key_and_shows_none()
    {
        Arrange();

        var (exitCode, output) = await RunAsync("postprovision.sh");

        Assert.True(exitCode == 0, output);
        var secrets = Secrets();
        Assert.Equal(Referenced.Order(StringComparer.Ordinal), secrets.Keys.Order(StringComparer.Ordinal));
        Assert.All(secrets.Values, v => Assert.Matches(HexKey(), v));
        Assert.Equal(secrets.Count, secrets.Values.Distinct().Count());

        var calls = string.Join('\n', Calls());
        foreach (var value in secrets.Values)
        {
            Assert.DoesNotContain(value, output, StringComparison.Ordinal);
            Assert.DoesNotContain(value, calls, StringComparison.Ordinal);
        }

        // Through a file, and without az's default output, which would echo the value.
        Assert.Equal(secrets.Count, SetCalls().Length);
        Assert.All(SetCalls(), c => Assert.Contains(" --file ", c, StringComparison.Ordinal));
        Assert.All(SetCalls(), c => Assert.Contains(" --output none", c, StringComparison.Ordinal));
        Assert.DoesNotContain(" --value", calls, StringComparison.Ordinal);

        // It tells the user where the keys are and how to read one.
        Assert.Contains("az keyvault secret show --vault-name kv-pushgw-test --name gateway-push-key --query value", output, StringComparison.Ordinal);
        // The temporary key files are gone.
        Assert.Empty(Directory.EnumerateDirectories(_root, "tmp.*"));
    }

    [Fact]
    public async Task A_rerun_keeps_every_existing_key()
    {
        var existing = Preset(Referenced);
        Arrange(existing);

        var (exitCode, output) = await RunAsync("postprovision.sh");

        Assert.True(exitCode == 0, output);
        Assert.Empty(SetCalls());
        Assert.Equal(existing, Secrets());
    }

    [Fact]
    public async Task Only_missing_secrets_are_created()
    {
        var existing = Preset(["gateway-push-key", "gateway-read-key-previous"]);
        Arrange(existing);

        var (exitCode, output) = await RunAsync("postprovision.sh");

        Assert.True(exitCode == 0, output);
        Assert.Equal(Referenced.Count - existing.Count, SetCalls().Length);
        var secrets = Secrets();
        Assert.Equal(existing["gateway-push-key"], secrets["gateway-push-key"]);
        Assert.Equal(existing["gateway-read-key-previous"], secrets["gateway-read-key-previous"]);
        Assert.Equal(Referenced.Count, secrets.Count);
    }

    [Fact]
    public async Task Waits_for_the_deployers_role_to_apply()
    {
        Arrange(forbiddenLists: 2);

        var (exitCode, output) = await RunAsync("postprovision.sh");

        Assert.True(exitCode == 0, output);
        Assert.Equal(Referenced.Count, Secrets().Count);
    }

    [Fact]
    public async Task Fails_and_creates_nothing_without_access_to_the_vault()
    {
        Arrange(forbiddenLists: 10);

        var (exitCode, output) = await RunAsync("postprovision.sh");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Key Vault Secrets Officer", output, StringComparison.Ordinal);
        Assert.Empty(Secrets());
    }

    [Fact]
    public async Task Fails_at_once_when_az_is_not_signed_in()
    {
        Arrange();
        File.WriteAllText(Path.Combine(State, "signed-out"), "");

        // azd always passes the subscription, so the sign-in check must not depend on needing it.
        var (exitCode, output) = await RunAsync("postprovision.sh", new Dictionary<string, string> { ["AZURE_SUBSCRIPTION_ID"] = "00000000-0000-0000-0000-0000000000aa" }, []);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("az login", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Calls(), c => c.StartsWith("keyvault", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fails_while_a_reference_does_not_resolve()
    {
        // An unresolved reference reaches the app as its own text, so the hook must not report success.
        Arrange(references: [.. Referenced, "a-secret-nobody-creates"]);

        var (exitCode, output) = await RunAsync("postprovision.sh");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("did not resolve", output, StringComparison.Ordinal);
        Assert.Contains("configreferences/appsettings", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refreshes_until_the_references_resolve()
    {
        Arrange(unresolvedRefreshes: 2);

        var (exitCode, output) = await RunAsync("postprovision.sh");

        Assert.True(exitCode == 0, output);
        Assert.Equal(3, Calls().Count(c => c.Contains("/config/configreferences/appsettings/refresh?", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Fails_clearly_without_the_deployment_outputs()
    {
        Arrange();
        var script = Path.Combine(HooksDirectory, "postprovision.sh");
        var startInfo = new ProcessStartInfo("/bin/sh", [script]) { RedirectStandardError = true, RedirectStandardOutput = true };
        startInfo.Environment.Clear();
        startInfo.Environment["PATH"] = Path.Combine(_root, "bin") + ":/usr/bin:/bin";
        startInfo.Environment["FAKE_AZ_STATE"] = State;
        using var process = Process.Start(startInfo)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("GATEWAY_VAULT_NAME", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Calls(), c => c.StartsWith("keyvault", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rotation_start_keeps_the_old_key_valid_and_finish_retires_it()
    {
        var existing = Preset(Referenced);
        Arrange(existing);

        var (startCode, startOutput) = await RunAsync("rotate-key.sh", "push", "start");

        Assert.True(startCode == 0, startOutput);
        var started = Secrets();
        Assert.Equal(existing["gateway-push-key"], started["gateway-push-key-previous"]);
        Assert.Matches(HexKey(), started["gateway-push-key"]);
        foreach (var other in Referenced.Where(n => !n.StartsWith("gateway-push-", StringComparison.Ordinal)))
        {
            Assert.Equal(existing[other], started[other]);
        }

        var (finishCode, finishOutput) = await RunAsync("rotate-key.sh", "push", "finish");

        Assert.True(finishCode == 0, finishOutput);
        var finished = Secrets();
        Assert.Equal(started["gateway-push-key"], finished["gateway-push-key"]);
        Assert.Matches(HexKey(), finished["gateway-push-key-previous"]);
        Assert.NotEqual(existing["gateway-push-key"], finished["gateway-push-key-previous"]);

        var shown = startOutput + finishOutput + string.Join('\n', Calls());
        foreach (var value in new[] { existing["gateway-push-key"], started["gateway-push-key"], finished["gateway-push-key-previous"] })
        {
            Assert.DoesNotContain(value, shown, StringComparison.Ordinal);
        }

        // Each step makes the app pick the new versions up at once.
        Assert.Equal(2, Calls().Count(c => c.Contains("/config/configreferences/appsettings/refresh?", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("wipe", "start")]
    [InlineData("push", "begin")]
    [InlineData("push")]
    public async Task Rotation_refuses_unknown_arguments(params string[] arguments)
    {
        Arrange(Preset(Referenced));

        var (exitCode, output) = await RunAsync("rotate-key.sh", arguments);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("usage:", output, StringComparison.Ordinal);
        Assert.Empty(SetCalls());
    }

    [Fact]
    public void The_scripts_create_exactly_the_secrets_the_template_refers_to()
    {
        // The secret names live in main.bicep (the references) and in access-keys.sh (what the hooks create).
        var shared = File.ReadAllText(Path.Combine(HooksDirectory, "access-keys.sh"));
        var list = Regex.Match(shared, "^ACCESS_KEY_SECRETS='([^']*)'$", RegexOptions.Multiline);
        Assert.True(list.Success, "access-keys.sh must declare ACCESS_KEY_SECRETS='...'");
        var created = list.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        var referenced = infra.Snapshot.AppSettings
            .Where(s => s.Key.StartsWith("Gateway__Access__", StringComparison.Ordinal))
            .Select(s => Regex.Match(s.Value, "'([^']+)'\\)\\]$").Groups[1].Value);
        Assert.Equal(referenced.Order(StringComparer.Ordinal), created.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("postprovision.sh")]
    [InlineData("rotate-key.sh")]
    public void Scripts_are_posix_sh_and_executable(string script)
    {
        var path = Path.Combine(HooksDirectory, script);
        Assert.StartsWith("#!/bin/sh\n", File.ReadAllText(path), StringComparison.Ordinal);
        // azd runs a hook file directly on Linux and macOS.
        Assert.True((File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0, $"{script} is not executable (git update-index --chmod=+x)");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing was arranged.
        }
    }
}
