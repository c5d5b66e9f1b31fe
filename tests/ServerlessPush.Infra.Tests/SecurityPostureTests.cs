using System.Text.Json;
using System.Text.RegularExpressions;

namespace ServerlessPush.Infra.Tests;

/// <summary>The security posture, asserted on both the compiled ARM JSON and the snapshot's predicted resources.</summary>
[Collection(InfraCollection.Name)]
public sealed class SecurityPostureTests(InfraFixture infra)
{
    public static TheoryData<string> Sources => new() { "arm", "snapshot" };

    private List<JsonElement> Resources(string source, string type) =>
    [
        .. (source == "arm" ? ArmTemplate.AllResources(infra.Arm) : infra.Snapshot.Resources)
            .Where(r => string.Equals(ArmTemplate.Type(r), type, StringComparison.OrdinalIgnoreCase)),
    ];

    private JsonElement One(string source, string type)
    {
        var found = Resources(source, type);
        Assert.True(found.Count == 1, $"{source}: expected one {type}, found {found.Count}");
        return found[0];
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Storage_account_refuses_keys_plain_http_old_tls_and_anonymous_blobs(string source)
    {
        var properties = One(source, "Microsoft.Storage/storageAccounts").GetProperty("properties");

        Assert.False(properties.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.True(properties.GetProperty("defaultToOAuthAuthentication").GetBoolean());
        Assert.Equal("TLS1_2", properties.GetProperty("minimumTlsVersion").GetString());
        Assert.True(properties.GetProperty("supportsHttpsTrafficOnly").GetBoolean());
        Assert.False(properties.GetProperty("allowBlobPublicAccess").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Every_blob_container_is_private(string source)
    {
        var containers = Resources(source, "Microsoft.Storage/storageAccounts/blobServices/containers");
        Assert.NotEmpty(containers);
        Assert.All(containers, c => Assert.Equal("None", c.GetProperty("properties").GetProperty("publicAccess").GetString()));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Function_app_is_https_only_linux_and_runs_as_the_user_assigned_identity_only(string source)
    {
        var site = One(source, "Microsoft.Web/sites");
        var properties = site.GetProperty("properties");

        Assert.Equal("functionapp,linux", site.GetProperty("kind").GetString());
        Assert.True(properties.GetProperty("httpsOnly").GetBoolean());
        Assert.Equal("UserAssigned", site.GetProperty("identity").GetProperty("type").GetString());

        var siteConfig = properties.GetProperty("siteConfig");
        Assert.Equal("1.2", siteConfig.GetProperty("minTlsVersion").GetString());
        Assert.Equal("Disabled", siteConfig.GetProperty("ftpsState").GetString());
        // Flex takes the stack from functionAppConfig.runtime; linuxFxVersion and alwaysOn are rejected there.
        Assert.False(siteConfig.TryGetProperty("linuxFxVersion", out _));
        Assert.False(siteConfig.TryGetProperty("alwaysOn", out _));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Function_app_runs_dotnet_isolated_10_on_flex_consumption(string source)
    {
        var plan = One(source, "Microsoft.Web/serverfarms");
        Assert.Equal("FC1", plan.GetProperty("sku").GetProperty("name").GetString());
        Assert.Equal("FlexConsumption", plan.GetProperty("sku").GetProperty("tier").GetString());
        Assert.True(plan.GetProperty("properties").GetProperty("reserved").GetBoolean());

        var config = One(source, "Microsoft.Web/sites").GetProperty("properties").GetProperty("functionAppConfig");
        var runtime = config.GetProperty("runtime");
        Assert.Equal("dotnet-isolated", runtime.GetProperty("name").GetString());
        Assert.Equal("10.0", runtime.GetProperty("version").GetString());
        Assert.True(config.GetProperty("scaleAndConcurrency").TryGetProperty("alwaysReady", out _));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Publishing_with_basic_credentials_is_off(string source)
    {
        var policies = Resources(source, "Microsoft.Web/sites/basicPublishingCredentialsPolicies");
        var names = policies.Select(p => LastNameSegment(p.GetProperty("name").GetString()!)).Order().ToList();

        Assert.Equal(["ftp", "scm"], names);
        Assert.All(policies, p => Assert.False(p.GetProperty("properties").GetProperty("allow").GetBoolean()));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Application_insights_accepts_only_entra_id_ingestion_into_a_workspace(string source)
    {
        var properties = One(source, "Microsoft.Insights/components").GetProperty("properties");
        Assert.True(properties.GetProperty("DisableLocalAuth").GetBoolean());
        Assert.True(properties.TryGetProperty("WorkspaceResourceId", out _));
        One(source, "Microsoft.OperationalInsights/workspaces");
    }

    [Fact]
    public void Deployment_package_container_is_reached_with_the_user_assigned_identity()
    {
        var snapshot = infra.Snapshot;
        var storage = snapshot.Single("Microsoft.Web/sites").GetProperty("properties")
            .GetProperty("functionAppConfig").GetProperty("deployment").GetProperty("storage");
        var container = snapshot.Single("Microsoft.Storage/storageAccounts/blobServices/containers");
        var containerName = container.GetProperty("name").GetString()!.Split('/')[^1];

        Assert.Equal("blobContainer", storage.GetProperty("type").GetString());
        Assert.Contains(Snapshot.Id(snapshot.StorageAccount), storage.GetProperty("value").GetString(), StringComparison.Ordinal);
        Assert.EndsWith($"'{containerName}')]", storage.GetProperty("value").GetString(), StringComparison.Ordinal);

        var authentication = storage.GetProperty("authentication");
        Assert.Equal("UserAssignedIdentity", authentication.GetProperty("type").GetString());
        Assert.Equal(Snapshot.Id(snapshot.Identity), authentication.GetProperty("userAssignedIdentityResourceId").GetString());
        Assert.False(authentication.TryGetProperty("storageAccountConnectionStringName", out _));

        var identities = snapshot.Site.GetProperty("identity").GetProperty("userAssignedIdentities").EnumerateObject().Select(p => p.Name);
        Assert.Equal([Snapshot.Id(snapshot.Identity)], identities);
    }

    /// <summary>"site/ftp" in the snapshot; "[format('{0}/{1}', parameters('name'), 'ftp')]" in ARM JSON.</summary>
    private static string LastNameSegment(string name) =>
        name.StartsWith('[') ? Regex.Matches(name, "'([^']*)'")[^1].Groups[1].Value : name.Split('/')[^1];

    [Fact]
    public void Template_never_reads_keys()
    {
        var text = infra.Arm.GetRawText();
        foreach (var forbidden in new[] { "listKeys", "listAccountSas", "listServiceSas", "AccountKey", "SharedAccessSignature" })
        {
            Assert.DoesNotContain(forbidden, text, StringComparison.OrdinalIgnoreCase);
        }
    }
}
