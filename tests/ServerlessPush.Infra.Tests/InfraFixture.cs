using System.Text.Json;

namespace ServerlessPush.Infra.Tests;

/// <summary>
/// Runs the Bicep CLI once per test run, on temporary copies of <c>infra/</c>:
/// <c>bicep build</c> (the ARM JSON) and <c>bicep snapshot</c> (the predicted resources, with
/// literal values resolved) for the defaults in <c>main.bicepparam</c> and for overridden values.
/// </summary>
public sealed class InfraFixture : IAsyncLifetime
{
    // The same context the committed infra/main.snapshot.json was generated with (see README.md, "Deploy to Azure").
    public static readonly string[] SnapshotContext =
    [
        "--subscription-id", "00000000-0000-0000-0000-000000000000",
        "--resource-group", "rg-serverlesspush",
        "--location", "westeurope",
    ];

    /// <summary>Non-default values set through the environment variables main.bicepparam reads.</summary>
    public static readonly IReadOnlyDictionary<string, string> Overrides = new Dictionary<string, string>
    {
        ["AZURE_ENV_NAME"] = "prod",
        ["PUSHGW_INSTANCE_MEMORY_MB"] = "512",
        ["PUSHGW_ALWAYS_READY_INSTANCES"] = "1",
        ["PUSHGW_MAXIMUM_INSTANCE_COUNT"] = "10",
        ["PUSHGW_GROUP_TTL"] = "1.00:00:00",
        ["PUSHGW_EXPIRY_SCHEDULE"] = "0 0 * * * *",
        ["PUSHGW_TABLE_NAME"] = "groupsprod",
        ["PUSHGW_KEY_VAULT_PURGE_PROTECTION"] = "true",
        ["AZURE_PRINCIPAL_ID"] = DeployerPrincipalId,
        ["PUSHGW_ALERTS"] = "true",
        ["PUSHGW_ALERT_EMAIL"] = AlertEmail,
        ["PUSHGW_AVAILABILITY_TEST"] = "true",
        ["PUSHGW_STORAGE_DIAGNOSTICS"] = "true",
    };

    /// <summary>The alerts' address in <see cref="Overrides"/>.</summary>
    public const string AlertEmail = "oncall@example.com";

    /// <summary>The deployer's object ID in <see cref="Overrides"/> (azd sets AZURE_PRINCIPAL_ID to the signed-in principal's).</summary>
    public const string DeployerPrincipalId = "5d3f0b8e-7c41-4a2e-9f6d-2b8c1e0a4f93";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "serverlesspush-infra-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public BicepResult Build { get; private set; } = null!;

    public BicepResult SnapshotRun { get; private set; } = null!;

    public BicepResult OverrideSnapshotRun { get; private set; } = null!;

    /// <summary>The compiled ARM template of main.bicep (modules nested as deployments).</summary>
    public JsonElement Arm { get; private set; }

    /// <summary>Predicted resources and outputs for main.bicepparam's defaults.</summary>
    public Snapshot Snapshot { get; private set; } = null!;

    /// <summary>Predicted resources and outputs with <see cref="Overrides"/> set.</summary>
    public Snapshot OverrideSnapshot { get; private set; } = null!;

    public string TempRoot => _root;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        var buildDir = BicepCli.CopyInfra(_root);
        var snapshotDir = BicepCli.CopyInfra(_root);
        var overrideDir = BicepCli.CopyInfra(_root);
        var armOut = Path.Combine(_root, "arm");

        var build = BicepCli.RunAsync(buildDir, null, "build", "main.bicep", "--outdir", armOut);
        var snapshot = BicepCli.RunAsync(snapshotDir, null, ["snapshot", "main.bicepparam", "--mode", "overwrite", .. SnapshotContext]);
        var overrides = BicepCli.RunAsync(overrideDir, Overrides, ["snapshot", "main.bicepparam", "--mode", "overwrite", .. SnapshotContext]);

        Build = await build;
        SnapshotRun = await snapshot;
        OverrideSnapshotRun = await overrides;

        Arm = Load(Path.Combine(armOut, "main.json"), Build);
        Snapshot = new Snapshot(Load(Path.Combine(snapshotDir, "main.snapshot.json"), SnapshotRun));
        OverrideSnapshot = new Snapshot(Load(Path.Combine(overrideDir, "main.snapshot.json"), OverrideSnapshotRun));
    }

    private static JsonElement Load(string path, BicepResult run)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} was not written. {run}");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }

        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class InfraCollection : ICollectionFixture<InfraFixture>
{
    public const string Name = "infra";
}
