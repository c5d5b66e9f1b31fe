using System.Text.Json;

namespace ServerlessPush.Infra.Tests;

/// <summary>
/// The monitoring parts of modules/operations.bicep: off by default (nothing extra is deployed or
/// billed), and with every PUSHGW_* switch on, the alert rules, the /-/ready availability test and
/// the table diagnostics, each aimed at the deployment's own workspace, component and account.
/// </summary>
[Collection(InfraCollection.Name)]
public sealed class OperationsTests(InfraFixture infra)
{
    private static readonly string[] MonitoringTypes =
    [
        "Microsoft.Insights/actionGroups",
        "Microsoft.Insights/scheduledQueryRules",
        "Microsoft.Insights/webtests",
        "Microsoft.Insights/metricAlerts",
        "Microsoft.Insights/diagnosticSettings",
    ];

    [Fact]
    public void By_default_no_alert_test_or_diagnostic_setting_is_deployed()
    {
        foreach (var type in MonitoringTypes)
        {
            Assert.Empty(infra.Snapshot.OfType(type));
        }
        var parameters = infra.Arm.GetProperty("parameters");
        foreach (var name in new[] { "enableAlerts", "enableAvailabilityTest", "enableStorageDiagnostics" })
        {
            Assert.False(parameters.GetProperty(name).GetProperty("defaultValue").GetBoolean(), name);
        }
    }

    [Fact]
    public void Alert_rules_query_the_workspace_for_the_5xx_rate_and_the_p95_latency_and_notify_the_address()
    {
        var rules = infra.OverrideSnapshot.OfType("Microsoft.Insights/scheduledQueryRules").ToList();
        Assert.Equal(2, rules.Count);
        var workspace = Snapshot.Id(infra.OverrideSnapshot.Single("Microsoft.OperationalInsights/workspaces"));
        var actionGroup = infra.OverrideSnapshot.Single("Microsoft.Insights/actionGroups");
        var receiver = Assert.Single(actionGroup.GetProperty("properties").GetProperty("emailReceivers").EnumerateArray());
        Assert.Equal(InfraFixture.AlertEmail, receiver.GetProperty("emailAddress").GetString());

        var byColumn = rules.ToDictionary(r => Criterion(r).GetProperty("metricMeasureColumn").GetString()!);
        Assert.Equal(["FailedPercent", "P95"], byColumn.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("toint(ResultCode) >= 500", Criterion(byColumn["FailedPercent"]).GetProperty("query").GetString(), StringComparison.Ordinal);
        Assert.Equal(5, Criterion(byColumn["FailedPercent"]).GetProperty("threshold").GetInt32());
        Assert.Contains("percentile(DurationMs, 95)", Criterion(byColumn["P95"]).GetProperty("query").GetString(), StringComparison.Ordinal);
        Assert.Equal(2000, Criterion(byColumn["P95"]).GetProperty("threshold").GetInt32());
        foreach (var rule in rules)
        {
            var properties = rule.GetProperty("properties");
            Assert.Equal(workspace, Assert.Single(properties.GetProperty("scopes").EnumerateArray()).GetString());
            Assert.Equal(Snapshot.Id(actionGroup), Assert.Single(properties.GetProperty("actions").GetProperty("actionGroups").EnumerateArray()).GetString());
            Assert.Equal("PT5M", properties.GetProperty("windowSize").GetString());
        }
    }

    [Fact]
    public void Availability_test_calls_ready_over_https_from_three_locations_and_has_an_alert()
    {
        var test = infra.OverrideSnapshot.Single("Microsoft.Insights/webtests");
        var component = Snapshot.Id(infra.OverrideSnapshot.AppInsights);
        var properties = test.GetProperty("properties");
        Assert.Equal("standard", test.GetProperty("kind").GetString());
        var url = properties.GetProperty("Request").GetProperty("RequestUrl").GetString()!;
        Assert.StartsWith("[format('https://{0}/-/ready', reference(", url, StringComparison.Ordinal);
        Assert.Equal(200, properties.GetProperty("ValidationRules").GetProperty("ExpectedHttpStatusCode").GetInt32());
        Assert.Equal(3, properties.GetProperty("Locations").GetArrayLength());
        // The portal lists a test under its component only with this tag.
        Assert.Equal("Resource", test.GetProperty("tags").GetProperty($"hidden-link:{component}").GetString());

        var alert = infra.OverrideSnapshot.Single("Microsoft.Insights/metricAlerts").GetProperty("properties");
        var criteria = alert.GetProperty("criteria");
        Assert.Equal("Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria", criteria.GetProperty("odata.type").GetString());
        Assert.Equal(Snapshot.Id(test), criteria.GetProperty("webTestId").GetString());
        Assert.Equal(component, criteria.GetProperty("componentId").GetString());
    }

    [Fact]
    public void Table_service_logs_and_transactions_go_to_the_workspace()
    {
        var setting = infra.OverrideSnapshot.Single("Microsoft.Insights/diagnosticSettings");
        var tableService = Snapshot.Id(infra.OverrideSnapshot.Single("Microsoft.Storage/storageAccounts/tableServices"));
        Assert.StartsWith(tableService + "/providers/Microsoft.Insights/diagnosticSettings/", Snapshot.Id(setting), StringComparison.OrdinalIgnoreCase);
        var properties = setting.GetProperty("properties");
        Assert.Equal(Snapshot.Id(infra.OverrideSnapshot.Single("Microsoft.OperationalInsights/workspaces")), properties.GetProperty("workspaceId").GetString());
        Assert.Equal(["StorageDelete", "StorageRead", "StorageWrite"],
            properties.GetProperty("logs").EnumerateArray().Where(l => l.GetProperty("enabled").GetBoolean()).Select(l => l.GetProperty("category").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal("Transaction", Assert.Single(properties.GetProperty("metrics").EnumerateArray()).GetProperty("category").GetString());
    }

    private static JsonElement Criterion(JsonElement rule) =>
        Assert.Single(rule.GetProperty("properties").GetProperty("criteria").GetProperty("allOf").EnumerateArray());
}
