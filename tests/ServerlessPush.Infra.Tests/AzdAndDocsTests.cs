using System.Text.RegularExpressions;

namespace ServerlessPush.Infra.Tests;

/// <summary><c>azure.yaml</c> matches the template, and the deploy guide covers what an engineer needs.</summary>
[Collection(InfraCollection.Name)]
public sealed class AzdAndDocsTests(InfraFixture infra)
{
    private static string Read(string relative) => File.ReadAllText(Path.Combine(BicepCli.RepoRoot, relative));

    [Fact]
    public void Azure_yaml_deploys_the_functions_project_to_the_tagged_app()
    {
        var yaml = Read("azure.yaml");
        var service = infra.Snapshot.Site.GetProperty("tags").GetProperty("azd-service-name").GetString()!;

        // One service, named like the tag azd looks the app up by.
        Assert.Matches(new Regex($@"^services:\s*\n\s+{Regex.Escape(service)}:\s*$", RegexOptions.Multiline), yaml);
        Assert.Matches(new Regex(@"^\s+project:\s*\./functions/ServerlessPush\.Functions/?\s*$", RegexOptions.Multiline), yaml);
        Assert.Matches(new Regex(@"^\s+language:\s*dotnet\s*$", RegexOptions.Multiline), yaml);
        Assert.Matches(new Regex(@"^\s+host:\s*function\s*$", RegexOptions.Multiline), yaml);
        Assert.Matches(new Regex(@"^\s+path:\s*\.?/?infra/?\s*$", RegexOptions.Multiline), yaml);

        // The project azd builds is the Functions app.
        var csproj = Read("functions/ServerlessPush.Functions/ServerlessPush.Functions.csproj");
        Assert.Contains("<AzureFunctionsVersion>v4</AzureFunctionsVersion>", csproj, StringComparison.Ordinal);
    }

    [Fact]
    public void Deploy_guide_has_both_paths_costs_and_a_scrape_config()
    {
        var guide = Read("README.md");
        foreach (var expected in new[]
                 {
                     "## Deploy to Azure", "azd up", "az deployment group create", "func azure functionapp publish",
                     "honor_labels: true", "scrape_configs", "GATEWAY_URL", "SCRAPE_URL", "AZURE_FUNCTION_APP_NAME",
                     "alwaysReadyInstanceCount", "instanceMemoryMB", "at rest",
                 })
        {
            Assert.Contains(expected, guide, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Azure_yaml_runs_the_access_key_hook_after_every_provision()
    {
        var yaml = Read("azure.yaml");
        Assert.Matches(
            new Regex(@"^hooks:\s*\n(?:\s*#.*\n)*\s+postprovision:\s*\n\s+shell:\s*sh\s*\n\s+run:\s*\S+\s*$", RegexOptions.Multiline),
            yaml);
        var run = Regex.Match(yaml, @"^\s+run:\s*(\S+)\s*$", RegexOptions.Multiline).Groups[1].Value;
        Assert.Equal("infra/hooks/postprovision.sh", run);
        Assert.True(File.Exists(Path.Combine(BicepCli.RepoRoot, run)), $"{run} is missing");
    }

    [Fact]
    public void Smoke_test_pushes_scrapes_and_deletes_with_the_deployed_keys()
    {
        var guide = Read("README.md");
        var start = guide.IndexOf("**Smoke test**", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no smoke test");
        var block = Regex.Match(guide[start..], "```bash\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;

        // The keys come from the vault, by the names the app settings refer to.
        var pushRead = $"az keyvault secret show --vault-name \"$VAULT\" --name {KeyVaultTests.ExpectedReferences["Gateway__Access__PushKeys__0"]} --query value -o tsv";
        var readRead = $"az keyvault secret show --vault-name \"$VAULT\" --name {KeyVaultTests.ExpectedReferences["Gateway__Access__ReadKeys__0"]} --query value -o tsv";
        Assert.Contains($"PUSH_KEY=$({pushRead})", block, StringComparison.Ordinal);
        Assert.Contains($"READ_KEY=$({readRead})", block, StringComparison.Ordinal);

        var lines = block.Split('\n');
        Assert.Contains(lines, l => l.Contains("--data-binary @-", StringComparison.Ordinal) && l.Contains("-H \"Authorization: Bearer $PUSH_KEY\"", StringComparison.Ordinal) && l.Contains("/metrics/job/deploy-smoke", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("-H \"Authorization: Bearer $READ_KEY\" \"$SCRAPE_URL\"", StringComparison.Ordinal) && l.Contains("grep deploy_smoke_test", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("-X DELETE -H \"Authorization: Bearer $PUSH_KEY\"", StringComparison.Ordinal));
        // Every request but the probe carries a key (the unauthenticated scrape only checks for the 401).
        Assert.All(
            lines.Where(l => l.Contains("curl -fsS", StringComparison.Ordinal) && !l.Contains("/-/healthy", StringComparison.Ordinal)),
            l => Assert.Contains("Authorization: Bearer $", l, StringComparison.Ordinal));
    }

    [Fact]
    public void Deploy_guide_and_access_doc_say_where_the_keys_are_and_how_to_rotate_them()
    {
        var guide = Read("README.md");
        foreach (var expected in new[] { "### Access keys", "GATEWAY_VAULT_NAME", "AZURE_PRINCIPAL_ID", "Key Vault Secrets Officer", "infra/hooks/postprovision.sh", "keyVaultPurgeProtection" })
        {
            Assert.Contains(expected, guide, StringComparison.Ordinal);
        }

        var access = Read("docs/access.md");
        // Keys set as plain app settings vanish at the next deployment: the doc must not tell anyone to.
        Assert.DoesNotMatch(new Regex(@"appsettings set[^\n`]*--settings[^\n`]*Gateway__Access", RegexOptions.IgnoreCase), access);
        foreach (var expected in new[] { "rotate-key.sh read start", "rotate-key.sh read finish", "24 hours", "configreferences/appsettings/refresh", "@Microsoft.KeyVault(SecretUri=" })
        {
            Assert.Contains(expected, access, StringComparison.Ordinal);
        }
    }
}
