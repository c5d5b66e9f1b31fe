namespace ServerlessPush.Infra.Tests;

/// <summary>The identity holds exactly four data-plane roles, each at the narrowest scope that works; the
/// deployer, when named, one more on the vault.</summary>
[Collection(InfraCollection.Name)]
public sealed class RoleAssignmentTests(InfraFixture infra)
{
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string KeyVaultSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
    private const string AssignmentInfix = "/providers/Microsoft.Authorization/roleAssignments/";

    [Fact]
    public void Exactly_the_four_roles_at_the_expected_scopes()
    {
        var snapshot = infra.Snapshot;
        var storageId = Snapshot.Id(snapshot.StorageAccount);
        var tableId = Snapshot.Id(snapshot.Single("Microsoft.Storage/storageAccounts/tableServices/tables"));
        var expected = new Dictionary<string, string>
        {
            [StorageTableDataContributor] = tableId, // the one table, not the account
            [StorageBlobDataOwner] = storageId, // host storage: timer lease, host keys, deployment package
            [MonitoringMetricsPublisher] = Snapshot.Id(snapshot.AppInsights),
            [KeyVaultSecretsUser] = Snapshot.Id(snapshot.KeyVault), // read the access keys: the vault holds nothing else
        };
        Assert.EndsWith("/tableServices/default/tables/pushgroups", tableId, StringComparison.Ordinal);

        var actual = snapshot.OfType("Microsoft.Authorization/roleAssignments").Select(r =>
        {
            var id = Snapshot.Id(r);
            var scope = id[..id.IndexOf(AssignmentInfix, StringComparison.OrdinalIgnoreCase)];
            var role = r.GetProperty("properties").GetProperty("roleDefinitionId").GetString()!;
            Assert.Contains("/providers/Microsoft.Authorization/roleDefinitions/", role, StringComparison.Ordinal);
            return (Role: role.Split('/')[^1], Scope: scope);
        }).ToList();

        Assert.Equal(expected.Count, actual.Count);
        foreach (var (role, scope) in actual)
        {
            Assert.True(expected.TryGetValue(role, out var expectedScope), $"unexpected role {role} at {scope}");
            Assert.Equal(expectedScope, scope);
        }
    }

    [Fact]
    public void Every_assignment_is_for_the_apps_identity_as_a_service_principal()
    {
        var identityId = Snapshot.Id(infra.Snapshot.Identity);
        var assignments = infra.Snapshot.OfType("Microsoft.Authorization/roleAssignments").ToList();
        Assert.NotEmpty(assignments);

        foreach (var assignment in assignments)
        {
            var properties = assignment.GetProperty("properties");
            Assert.Equal("ServicePrincipal", properties.GetProperty("principalType").GetString());
            var principal = properties.GetProperty("principalId").GetString()!;
            Assert.StartsWith($"[reference('{identityId}', ", principal, StringComparison.Ordinal);
            Assert.EndsWith(").principalId]", principal, StringComparison.Ordinal);
            Assert.True(Guid.TryParse(assignment.GetProperty("name").GetString(), out _), "assignment names must be GUIDs");
        }
    }

    [Fact]
    public void Deployer_gets_secrets_officer_on_the_vault_only_when_named()
    {
        // Defaults (AZURE_PRINCIPAL_ID unset): no assignment beyond the app's own.
        Assert.DoesNotContain(infra.Snapshot.OfType("Microsoft.Authorization/roleAssignments"), r => Role(r) == KeyVaultSecretsOfficer);

        // Named: exactly one more assignment, Key Vault Secrets Officer on the vault, to that principal.
        var snapshot = infra.OverrideSnapshot;
        var identityId = Snapshot.Id(snapshot.Identity);
        var others = snapshot.OfType("Microsoft.Authorization/roleAssignments")
            .Where(r => !r.GetProperty("properties").GetProperty("principalId").GetString()!.Contains(identityId, StringComparison.Ordinal))
            .ToList();
        var deployer = Assert.Single(others);
        var id = Snapshot.Id(deployer);
        Assert.Equal(KeyVaultSecretsOfficer, Role(deployer));
        Assert.Equal(InfraFixture.DeployerPrincipalId, deployer.GetProperty("properties").GetProperty("principalId").GetString());
        Assert.Equal(Snapshot.Id(snapshot.KeyVault), id[..id.IndexOf(AssignmentInfix, StringComparison.OrdinalIgnoreCase)]);
        // A user or a service principal (CI): the type is left for Entra ID to resolve.
        Assert.False(deployer.GetProperty("properties").TryGetProperty("principalType", out _));
    }

    private static string Role(System.Text.Json.JsonElement assignment) =>
        assignment.GetProperty("properties").GetProperty("roleDefinitionId").GetString()!.Split('/')[^1];

    [Fact]
    public void Function_app_is_created_after_its_roles()
    {
        // The host reaches storage the moment the app exists: the app's module waits for the rbac module.
        var app = ArmTemplate.Module(infra.Arm, "functionapp");
        var dependsOn = app.GetProperty("dependsOn").EnumerateArray().Select(d => d.GetString()!).ToList();
        Assert.Contains(dependsOn, d => d.Contains("'rbac'", StringComparison.Ordinal));
    }
}
