using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using ServerlessPush.Http;

namespace ServerlessPush.Infra.Tests;

/// <summary>
/// The access keys: a Key Vault with RBAC authorization, app settings that are Key Vault references
/// resolved with the user-assigned identity, and no key value anywhere in the templates or outputs
/// (infra/hooks/postprovision.sh creates the secrets; see <c>HookScriptTests</c>).
/// </summary>
[Collection(InfraCollection.Name)]
public sealed partial class KeyVaultTests(InfraFixture infra)
{
    public static TheoryData<string> Sources => new() { "arm", "snapshot" };

    /// <summary>Each access-key setting and the secret it must refer to: two keys per right (current, and previous during a rotation).</summary>
    public static readonly IReadOnlyDictionary<string, string> ExpectedReferences = new Dictionary<string, string>
    {
        ["Gateway__Access__PushKeys__0"] = "gateway-push-key",
        ["Gateway__Access__PushKeys__1"] = "gateway-push-key-previous",
        ["Gateway__Access__ReadKeys__0"] = "gateway-read-key",
        ["Gateway__Access__ReadKeys__1"] = "gateway-read-key-previous",
        ["Gateway__Access__AdminKeys__0"] = "gateway-admin-key",
        ["Gateway__Access__AdminKeys__1"] = "gateway-admin-key-previous",
    };

    /// <summary>A setting as the snapshot predicts it: the vault URI is known only at deployment time.</summary>
    [GeneratedRegex(@"^\[format\('@Microsoft\.KeyVault\(SecretUri=\{0\}secrets/\{1\}/\)', reference\('(?<vault>[^']+)', '[^']+'\)\.vaultUri, '(?<secret>[^']+)'\)\]$")]
    private static partial Regex PredictedReference();

    /// <summary>Learn's syntax for a reference without a version ("Use Key Vault references as app settings").</summary>
    [GeneratedRegex(@"^@Microsoft\.KeyVault\(SecretUri=https://(?<vault>[a-z0-9-]{3,24})\.vault\.azure\.net/secrets/(?<secret>[A-Za-z0-9-]{1,127})/\)$")]
    private static partial Regex DocumentedReference();

    private List<JsonElement> Resources(string source, string type) =>
    [
        .. (source == "arm" ? ArmTemplate.AllResources(infra.Arm) : infra.Snapshot.Resources)
            .Where(r => string.Equals(ArmTemplate.Type(r), type, StringComparison.OrdinalIgnoreCase)),
    ];

    [Theory]
    [MemberData(nameof(Sources))]
    public void Vault_authorizes_with_rbac_only_keeps_deleted_secrets_and_is_reachable_by_flex(string source)
    {
        var vaults = Resources(source, "Microsoft.KeyVault/vaults");
        var vault = Assert.Single(vaults);
        var properties = vault.GetProperty("properties");

        Assert.True(properties.GetProperty("enableRbacAuthorization").GetBoolean());
        Assert.False(properties.TryGetProperty("accessPolicies", out _), "an RBAC vault has no access policies");
        Assert.True(properties.GetProperty("enableSoftDelete").GetBoolean());
        Assert.Equal(90, properties.GetProperty("softDeleteRetentionInDays").GetInt32());
        Assert.Equal("standard", properties.GetProperty("sku").GetProperty("name").GetString());
        // Nothing but the app's references reads it: no template, VM or disk access.
        Assert.False(properties.GetProperty("enabledForTemplateDeployment").GetBoolean());
        Assert.False(properties.GetProperty("enabledForDeployment").GetBoolean());
        Assert.False(properties.GetProperty("enabledForDiskEncryption").GetBoolean());
        // Flex Consumption cannot resolve references to a network-restricted vault without VNet integration.
        Assert.Equal("Enabled", properties.GetProperty("publicNetworkAccess").GetString());
        Assert.Equal("Allow", properties.GetProperty("networkAcls").GetProperty("defaultAction").GetString());
    }

    [Fact]
    public void Purge_protection_is_off_unless_asked_for_and_never_sent_as_false()
    {
        // The API refuses false (the protection is irreversible), so "off" is no value at all.
        var off = infra.Snapshot.KeyVault.GetProperty("properties").GetProperty("enablePurgeProtection");
        Assert.Equal(JsonValueKind.Null, off.ValueKind);

        var on = infra.OverrideSnapshot.KeyVault.GetProperty("properties").GetProperty("enablePurgeProtection");
        Assert.True(on.GetBoolean());
    }

    [Fact]
    public void Vault_name_fits_the_key_vault_rules_and_differs_per_environment()
    {
        var name = infra.Snapshot.KeyVault.GetProperty("name").GetString()!;
        Assert.Matches("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", name);
        Assert.DoesNotContain("--", name, StringComparison.Ordinal);
        Assert.NotEqual(name, infra.OverrideSnapshot.KeyVault.GetProperty("name").GetString());
    }

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void Every_access_key_setting_is_a_versionless_reference_to_its_secret_in_the_vault(string which)
    {
        var snapshot = which == "defaults" ? infra.Snapshot : infra.OverrideSnapshot;
        var vault = snapshot.KeyVault;
        var accessSettings = snapshot.AppSettings.Where(s => s.Key.StartsWith("Gateway__Access__", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Equal(ExpectedReferences.Keys.Order(StringComparer.Ordinal), accessSettings.Select(s => s.Key).Order(StringComparer.Ordinal));

        foreach (var (setting, secret) in ExpectedReferences)
        {
            var predicted = PredictedReference().Match(snapshot.Setting(setting));
            Assert.True(predicted.Success, $"{setting} is not a Key Vault reference: {snapshot.Setting(setting)}");
            Assert.Equal(Snapshot.Id(vault), predicted.Groups["vault"].Value);
            Assert.Equal(secret, predicted.Groups["secret"].Value);

            // With the URI the vault reports (https://<name>.vault.azure.net/), the value has Learn's syntax.
            var resolved = Resolve(snapshot, snapshot.Setting(setting));
            var documented = DocumentedReference().Match(resolved);
            Assert.True(documented.Success, $"{setting}: {resolved}");
            Assert.Equal(vault.GetProperty("name").GetString(), documented.Groups["vault"].Value);
            Assert.Equal(secret, documented.Groups["secret"].Value);
        }
    }

    public static TheoryData<string> Snapshots => new() { "defaults", "overrides" };

    [Fact]
    public void Access_key_settings_bind_to_AccessOptions_two_keys_per_right()
    {
        // The host turns app settings into environment variables; "__" is the section separator.
        var settings = infra.Snapshot.AppSettings.ToDictionary(s => s.Key.Replace("__", ":", StringComparison.Ordinal), s => Resolve(infra.Snapshot, s.Value));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
        var options = configuration.GetSection(AccessOptions.SectionName).Get<AccessOptions>();

        Assert.NotNull(options);
        Assert.Equal([settings["Gateway:Access:PushKeys:0"], settings["Gateway:Access:PushKeys:1"]], options.PushKeys);
        Assert.Equal([settings["Gateway:Access:ReadKeys:0"], settings["Gateway:Access:ReadKeys:1"]], options.ReadKeys);
        Assert.Equal([settings["Gateway:Access:AdminKeys:0"], settings["Gateway:Access:AdminKeys:1"]], options.AdminKeys);
        // The keys close every right; nothing opens them again.
        Assert.False(options.AllowAnonymous);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void References_resolve_with_the_user_assigned_identity(string source)
    {
        var site = Assert.Single(Resources(source, "Microsoft.Web/sites"));
        var identity = site.GetProperty("properties").GetProperty("keyVaultReferenceIdentity").GetString()!;
        if (source == "snapshot")
        {
            Assert.Equal(Snapshot.Id(infra.Snapshot.Identity), identity);
        }
        else
        {
            Assert.Equal("[parameters('identityId')]", identity);
        }
    }

    [Fact]
    public void No_template_holds_a_secret_resource_a_secure_parameter_or_a_generated_value()
    {
        // The keys are created by the postprovision hook, straight into the vault: nothing in ARM carries one,
        // so nothing can reach the deployment history, the parameters or the outputs.
        Assert.Empty(Resources("arm", "Microsoft.KeyVault/vaults/secrets"));
        Assert.Empty(infra.Snapshot.OfType("Microsoft.KeyVault/vaults/secrets"));

        foreach (var template in ArmTemplate.AllTemplates(infra.Arm))
        {
            if (!template.TryGetProperty("parameters", out var declared))
            {
                continue;
            }

            foreach (var parameter in declared.EnumerateObject())
            {
                var type = parameter.Value.GetProperty("type").GetString()!;
                Assert.False(type.StartsWith("secure", StringComparison.OrdinalIgnoreCase), $"parameter {parameter.Name} is {type}: a key would travel through the deployment");
            }
        }

        var text = infra.Arm.GetRawText();
        foreach (var forbidden in new[] { "newGuid(", "getSecret", "listSecrets", "secretUriWithVersion", "Microsoft.KeyVault/vaults/secrets" })
        {
            Assert.DoesNotContain(forbidden, text, StringComparison.OrdinalIgnoreCase);
        }

        var parameters = File.ReadAllText(Path.Combine(BicepCli.InfraDirectory, "main.bicepparam"));
        Assert.DoesNotContain("getSecret", parameters, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Outputs_name_the_vault_and_nothing_of_its_secrets()
    {
        Assert.Equal(infra.Snapshot.KeyVault.GetProperty("name").GetString(), infra.Snapshot.Outputs["GATEWAY_VAULT_NAME"]);

        foreach (var template in ArmTemplate.AllTemplates(infra.Arm))
        {
            if (!template.TryGetProperty("outputs", out var outputs))
            {
                continue;
            }

            foreach (var output in outputs.EnumerateObject())
            {
                var value = output.Value.GetProperty("value").ToString();
                Assert.DoesNotContain("secret", value, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("KeyVault(", value, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>Replaces the predicted <c>reference(vault).vaultUri</c> with the URI the vault reports, as ARM will.</summary>
    private static string Resolve(Snapshot snapshot, string value)
    {
        var match = PredictedReference().Match(value);
        if (!match.Success)
        {
            return value;
        }

        var vaultUri = $"https://{snapshot.KeyVault.GetProperty("name").GetString()}.vault.azure.net/";
        return $"@Microsoft.KeyVault(SecretUri={vaultUri}secrets/{match.Groups["secret"].Value}/)";
    }
}
