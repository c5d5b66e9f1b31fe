using System.Text.Json;

namespace ServerlessPush.Infra.Tests;

/// <summary>Parameters with safe, cheap defaults; outputs that name the URLs and nothing secret.</summary>
[Collection(InfraCollection.Name)]
public sealed class ParametersAndOutputsTests(InfraFixture infra)
{
    private JsonElement Parameter(string name) => infra.Arm.GetProperty("parameters").GetProperty(name);

    [Fact]
    public void Always_ready_defaults_to_zero_so_nothing_runs_at_rest()
    {
        Assert.Equal(0, Parameter("alwaysReadyInstanceCount").GetProperty("defaultValue").GetInt32());
        Assert.Equal(0, Parameter("alwaysReadyInstanceCount").GetProperty("minValue").GetInt32());

        var alwaysReady = infra.Snapshot.Site.GetProperty("properties").GetProperty("functionAppConfig")
            .GetProperty("scaleAndConcurrency").GetProperty("alwaysReady").EnumerateArray().ToList();
        var http = Assert.Single(alwaysReady);
        Assert.Equal("http", http.GetProperty("name").GetString());
        Assert.Equal(0, http.GetProperty("instanceCount").GetInt32());
    }

    [Fact]
    public void Instance_memory_is_a_parameter_limited_to_the_flex_sizes()
    {
        var memory = Parameter("instanceMemoryMB");
        Assert.Equal([512, 2048, 4096], memory.GetProperty("allowedValues").EnumerateArray().Select(v => v.GetInt32()).Order());
        Assert.Equal(2048, memory.GetProperty("defaultValue").GetInt32());
    }

    [Fact]
    public void Scale_parameters_reach_functionAppConfig()
    {
        var scale = infra.OverrideSnapshot.Site.GetProperty("properties").GetProperty("functionAppConfig").GetProperty("scaleAndConcurrency");
        Assert.Equal(512, scale.GetProperty("instanceMemoryMB").GetInt32());
        Assert.Equal(10, scale.GetProperty("maximumInstanceCount").GetInt32());
        var http = Assert.Single(scale.GetProperty("alwaysReady").EnumerateArray());
        Assert.Equal(1, http.GetProperty("instanceCount").GetInt32());
    }

    [Fact]
    public void Expiry_parameters_default_to_never_and_every_five_minutes()
    {
        Assert.Equal("", Parameter("groupTtl").GetProperty("defaultValue").GetString());
        Assert.Equal("0 */5 * * * *", Parameter("expirySchedule").GetProperty("defaultValue").GetString());
    }

    [Fact]
    public void Outputs_are_the_urls_the_app_name_and_the_vault_name()
    {
        var outputs = infra.Arm.GetProperty("outputs").EnumerateObject().ToList();
        Assert.Equal(["AZURE_FUNCTION_APP_NAME", "GATEWAY_URL", "GATEWAY_VAULT_NAME", "SCRAPE_URL"], outputs.Select(o => o.Name).Order(StringComparer.Ordinal));

        var site = infra.Snapshot.Site;
        var host = $"reference('{Snapshot.Id(site)}', '{site.GetProperty("apiVersion").GetString()}').defaultHostName";
        var predicted = infra.Snapshot.Outputs;
        Assert.Equal($"[format('https://{{0}}', {host})]", predicted["GATEWAY_URL"]);
        Assert.Equal($"[format('https://{{0}}/metrics', {host})]", predicted["SCRAPE_URL"]);
        Assert.Equal(site.GetProperty("name").GetString(), predicted["AZURE_FUNCTION_APP_NAME"]);
    }

    [Fact]
    public void No_output_of_any_module_carries_a_secret()
    {
        foreach (var template in ArmTemplate.AllTemplates(infra.Arm))
        {
            if (!template.TryGetProperty("outputs", out var outputs))
            {
                continue;
            }

            foreach (var output in outputs.EnumerateObject())
            {
                var type = output.Value.GetProperty("type").GetString()!;
                Assert.DoesNotContain("secure", type, StringComparison.OrdinalIgnoreCase);
                foreach (var word in new[] { "key", "secret", "password", "connectionstring", "token", "sas" })
                {
                    Assert.False(output.Name.Contains(word, StringComparison.OrdinalIgnoreCase), $"output {output.Name} looks secret");
                }

                var value = output.Value.GetProperty("value").ToString();
                Assert.DoesNotMatch(@"\blist\w*\(", value);
                Assert.DoesNotContain("ConnectionString", value, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public void Resource_names_fit_their_limits()
    {
        var storage = infra.Snapshot.StorageAccount.GetProperty("name").GetString()!;
        Assert.Matches("^[a-z0-9]{3,24}$", storage);

        // The host ID is the app name cut to 32 characters; keep it whole so it stays unique.
        var app = infra.Snapshot.Site.GetProperty("name").GetString()!;
        Assert.InRange(app.Length, 2, 32);

        // Names differ per environment.
        Assert.NotEqual(storage, infra.OverrideSnapshot.StorageAccount.GetProperty("name").GetString());
    }
}
