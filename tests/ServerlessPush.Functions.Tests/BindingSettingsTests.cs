using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using ServerlessPush.Testing;

namespace ServerlessPush.Functions.Tests;

/// <summary>
/// The host resolves <c>%name%</c> in bindings from its app settings and environment only: a default
/// in the app's own options never reaches it, and an unresolved name disables the function (the
/// expiry sweep, in the case that was seen). So every such name must be set wherever the app runs.
/// </summary>
public partial class BindingSettingsTests
{
    private static readonly string OutputDir = typeof(BindingSettingsTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "FunctionsOutputDir").Value!;

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex SettingReference();

    /// <summary>Every <c>%name%</c> in the generated bindings, as an app setting name (':' as '__').</summary>
    private static List<string> ReferencedSettings()
    {
        var metadata = File.ReadAllText(Path.Combine(OutputDir, "functions.metadata"));
        return [.. SettingReference().Matches(metadata).Select(m => m.Groups[1].Value.Replace(":", "__", StringComparison.Ordinal)).Distinct()];
    }

    [Fact]
    public void The_bindings_reference_the_expiry_schedule_setting()
    {
        Assert.Contains("Gateway__Expiry__Schedule", ReferencedSettings());
    }

    [Fact]
    public void The_local_settings_sample_sets_every_setting_a_binding_references()
    {
        var values = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")))
            .RootElement.GetProperty("Values");
        foreach (var name in ReferencedSettings())
        {
            Assert.True(values.TryGetProperty(name, out var value) && !string.IsNullOrWhiteSpace(value.GetString()),
                $"local.settings.sample.json does not set '{name}', which a binding references: func start would disable that function.");
        }
        Assert.Equal(new ServerlessPush.Core.Gateway.ExpiryOptions().Schedule, values.GetProperty("Gateway__Expiry__Schedule").GetString());
        Assert.Equal("dotnet-isolated", values.GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());
        Assert.False(string.IsNullOrWhiteSpace(values.GetProperty("AzureWebJobsStorage").GetString()));
    }

    [Fact]
    public void The_bicep_app_settings_set_every_setting_a_binding_references_with_the_apps_default()
    {
        var app = File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "modules", "functionapp.bicep"));
        foreach (var name in ReferencedSettings())
        {
            Assert.Contains($"name: '{name}'", app, StringComparison.Ordinal);
        }
        var main = File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "main.bicep"));
        var defaultSchedule = Regex.Match(main, @"param expirySchedule string = '([^']*)'").Groups[1].Value;
        Assert.Equal(new ServerlessPush.Core.Gateway.ExpiryOptions().Schedule, defaultSchedule);
    }
}
