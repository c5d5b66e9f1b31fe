using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Storage.Tables;

namespace ServerlessPush.Infra.Tests;

/// <summary>The function app's settings: identity-based connections only, and names the app actually binds.</summary>
[Collection(InfraCollection.Name)]
public sealed class AppSettingsTests(InfraFixture infra)
{
    /// <summary>Configuration section Gateway:Tables as an app-setting prefix (Linux: ':' is spelled '__').</summary>
    private static readonly string TablesPrefix = TableStorageOptions.SectionName.Replace(":", "__", StringComparison.Ordinal) + "__";

    private static readonly string AccessPrefix = ServerlessPush.Http.AccessOptions.SectionName.Replace(":", "__", StringComparison.Ordinal) + "__";

    private static readonly Dictionary<string, PropertyInfo> TableOptionProperties =
        typeof(TableStorageOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .ToDictionary(p => p.Name, StringComparer.Ordinal);

    public static TheoryData<string> Snapshots => new() { "defaults", "overrides" };

    private Snapshot Get(string which) => which == "defaults" ? infra.Snapshot : infra.OverrideSnapshot;

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void No_setting_carries_a_key_or_a_sas(string which)
    {
        foreach (var (name, value) in Get(which).AppSettings)
        {
            foreach (var forbidden in new[] { "AccountKey", "SharedAccessSignature", "sig=", "listKeys", "DefaultEndpointsProtocol" })
            {
                Assert.False(value.Contains(forbidden, StringComparison.OrdinalIgnoreCase), $"{name} contains {forbidden}: {value}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void Setting_names_are_unique(string which)
    {
        // App Service treats setting names case-insensitively.
        var duplicates = Get(which).AppSettings.GroupBy(s => s.Key, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.Empty(duplicates);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage")] // a connection string: identity settings instead
    [InlineData("FUNCTIONS_WORKER_RUNTIME")] // Flex: functionAppConfig.runtime
    [InlineData("FUNCTIONS_EXTENSION_VERSION")]
    [InlineData("WEBSITE_RUN_FROM_PACKAGE")] // Flex: functionAppConfig.deployment
    [InlineData("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING")]
    [InlineData("WEBSITE_CONTENTSHARE")]
    [InlineData("WEBSITE_TIME_ZONE")] // unsupported on Flex: timers run in UTC
    [InlineData("TZ")]
    [InlineData("APPINSIGHTS_INSTRUMENTATIONKEY")] // key-based ingestion; local auth is off
    [InlineData("Gateway__Tables__ConnectionString")] // keys; Azure uses ServiceUri + identity
    public void Setting_is_absent(string name)
    {
        Assert.DoesNotContain(infra.Snapshot.AppSettings, s => string.Equals(s.Key, name, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(infra.OverrideSnapshot.AppSettings, s => string.Equals(s.Key, name, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Host_storage_uses_the_user_assigned_identity()
    {
        var snapshot = infra.Snapshot;
        Assert.Equal(snapshot.StorageAccount.GetProperty("name").GetString(), snapshot.Setting("AzureWebJobsStorage__accountName"));
        Assert.Equal("managedidentity", snapshot.Setting("AzureWebJobsStorage__credential"));
        AssertIsIdentityClientId(snapshot, snapshot.Setting("AzureWebJobsStorage__clientId"));
    }

    [Fact]
    public void Telemetry_goes_to_the_component_with_an_entra_id_token()
    {
        var snapshot = infra.Snapshot;
        var connection = snapshot.Setting("APPLICATIONINSIGHTS_CONNECTION_STRING");
        Assert.Contains(Snapshot.Id(snapshot.AppInsights), connection, StringComparison.Ordinal);
        Assert.EndsWith(".ConnectionString]", connection, StringComparison.Ordinal);

        var authentication = snapshot.Setting("APPLICATIONINSIGHTS_AUTHENTICATION_STRING");
        Assert.StartsWith("[format('Authorization=AAD;ClientId={0}', ", authentication, StringComparison.Ordinal);
        AssertIsIdentityClientId(snapshot, authentication);
    }

    [Fact]
    public void Default_credential_and_homepage_settings()
    {
        AssertIsIdentityClientId(infra.Snapshot, infra.Snapshot.Setting("AZURE_CLIENT_ID"));
        Assert.Equal("true", infra.Snapshot.Setting("AzureWebJobsDisableHomepage"));
    }

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void Every_table_setting_binds_to_a_TableStorageOptions_property(string which)
    {
        var tableSettings = Get(which).AppSettings.Where(s => s.Key.StartsWith("Gateway__Tables", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.NotEmpty(tableSettings);

        foreach (var (name, value) in tableSettings)
        {
            Assert.True(name.StartsWith(TablesPrefix, StringComparison.Ordinal), $"{name} is not under {TablesPrefix} (TableStorageOptions.SectionName)");
            var propertyName = name[TablesPrefix.Length..];
            Assert.True(
                TableOptionProperties.TryGetValue(propertyName, out var property),
                $"{name}: TableStorageOptions has no settable property '{propertyName}' (has: {string.Join(", ", TableOptionProperties.Keys)})");

            // Literal values must convert the way the configuration binder converts them.
            if (!value.StartsWith('['))
            {
                var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                var converted = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
                Assert.NotNull(converted);
            }
        }
    }

    /// <summary>Settings of the expiry issue, declared ahead of the options class that will bind them.
    /// Once GatewayOptions (or a nested options type) has the property, the binding check below covers it.</summary>
    private static readonly HashSet<string> PendingGatewaySettings = ["Gateway__GroupTtl", "Gateway__Expiry__Schedule"];

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void Every_other_gateway_setting_binds_to_GatewayOptions(string which)
    {
        var gatewayPrefix = GatewayOptions.SectionName + "__";
        // Gateway__Access__* bind to AccessOptions (KeyVaultTests.Access_key_settings_bind_to_AccessOptions_two_keys_per_right).
        var settings = Get(which).AppSettings
            .Where(s => s.Key.StartsWith(gatewayPrefix, StringComparison.OrdinalIgnoreCase)
                        && !s.Key.StartsWith(TablesPrefix, StringComparison.OrdinalIgnoreCase)
                        && !s.Key.StartsWith(AccessPrefix, StringComparison.OrdinalIgnoreCase))
            .ToList();
        Assert.NotEmpty(settings);

        foreach (var (name, value) in settings)
        {
            Assert.True(name.StartsWith(gatewayPrefix, StringComparison.Ordinal), $"{name}: the section is spelled {GatewayOptions.SectionName}");
            var property = ResolvePath(typeof(GatewayOptions), name[gatewayPrefix.Length..].Split("__"));
            if (property is null)
            {
                Assert.True(PendingGatewaySettings.Contains(name), $"{name} binds to nothing in GatewayOptions");
                continue;
            }

            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            Assert.NotNull(TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value));
        }
    }

    private static PropertyInfo? ResolvePath(Type type, string[] path)
    {
        PropertyInfo? property = null;
        foreach (var segment in path)
        {
            property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance);
            if (property is null)
            {
                return null;
            }

            type = property.PropertyType;
        }

        return property;
    }

    [Fact]
    public void Table_client_gets_endpoint_identity_and_table_name()
    {
        var snapshot = infra.Snapshot;
        var account = snapshot.StorageAccount.GetProperty("name").GetString()!;

        var serviceUri = snapshot.Setting(TablesPrefix + nameof(TableStorageOptions.ServiceUri));
        Assert.Equal($"[format('https://{{0}}.table.{{1}}', '{account}', environment().suffixes.storage)]", serviceUri);

        AssertIsIdentityClientId(snapshot, snapshot.Setting(TablesPrefix + nameof(TableStorageOptions.ManagedIdentityClientId)));

        var table = snapshot.Single("Microsoft.Storage/storageAccounts/tableServices/tables").GetProperty("name").GetString()!.Split('/')[^1];
        Assert.Equal(table, snapshot.Setting(TablesPrefix + nameof(TableStorageOptions.TableName)));
        // Bicep's default table is the app's default table.
        Assert.Equal(new TableStorageOptions().TableName, table);
        // In Azure, Bicep creates the table; the app must not need to.
        Assert.DoesNotContain(snapshot.AppSettings, s => s.Key == TablesPrefix + nameof(TableStorageOptions.CreateTableIfMissing));
    }

    [Fact]
    public void Table_name_parameter_reaches_the_table_the_setting_and_the_role_scope()
    {
        var snapshot = infra.OverrideSnapshot;
        var expected = InfraFixture.Overrides["PUSHGW_TABLE_NAME"];
        var table = snapshot.Single("Microsoft.Storage/storageAccounts/tableServices/tables");

        Assert.EndsWith("/" + expected, Snapshot.Id(table), StringComparison.Ordinal);
        Assert.Equal(expected, snapshot.Setting(TablesPrefix + nameof(TableStorageOptions.TableName)));
        Assert.Contains(snapshot.OfType("Microsoft.Authorization/roleAssignments"), r => Snapshot.Id(r).StartsWith(Snapshot.Id(table) + "/providers/", StringComparison.Ordinal));
    }

    [Fact]
    public void Expiry_settings_default_to_never_expire_and_a_five_minute_timer()
    {
        var snapshot = infra.Snapshot;
        Assert.DoesNotContain(snapshot.AppSettings, s => s.Key == "Gateway__GroupTtl");

        var schedule = snapshot.Setting("Gateway__Expiry__Schedule");
        Assert.Equal("0 */5 * * * *", schedule);
        Assert.Equal(6, schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Expiry_settings_take_the_parameters()
    {
        var snapshot = infra.OverrideSnapshot;
        var ttl = snapshot.Setting("Gateway__GroupTtl");
        Assert.Equal(InfraFixture.Overrides["PUSHGW_GROUP_TTL"], ttl);
        Assert.Equal(TimeSpan.FromDays(1), TimeSpan.Parse(ttl, CultureInfo.InvariantCulture));
        Assert.Equal(InfraFixture.Overrides["PUSHGW_EXPIRY_SCHEDULE"], snapshot.Setting("Gateway__Expiry__Schedule"));
    }

    private static void AssertIsIdentityClientId(Snapshot snapshot, string value)
    {
        // Known only at deployment time: the snapshot keeps reference('<identity id>', ...).clientId.
        Assert.Contains($"reference('{Snapshot.Id(snapshot.Identity)}', ", value, StringComparison.Ordinal);
        Assert.Contains(").clientId", value, StringComparison.Ordinal);
    }
}
