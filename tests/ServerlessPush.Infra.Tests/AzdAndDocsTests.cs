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
}
