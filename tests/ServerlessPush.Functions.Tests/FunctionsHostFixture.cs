using ServerlessPush.FunctionsHost;
using ServerlessPush.Testing;

namespace ServerlessPush.Functions.Tests;

/// <summary>
/// Azurite and the published Functions app under the Functions test host, with the expiry sweep
/// every 2 seconds, shared by the tests of one class (one worker process, not one per test).
/// </summary>
public class FunctionsHostFixture : IAsyncLifetime
{
    public const string Schedule = "*/2 * * * * *";

    public AzuriteServer Azurite { get; private set; } = null!;

    public FunctionsGateway Gateway { get; private set; } = null!;

    public FunctionsTestHost Host => Gateway.Host;

    /// <summary>The app settings beyond FunctionsGateway's defaults (configuration keys).</summary>
    protected virtual Dictionary<string, string?> Settings => new() { ["Gateway:Expiry:Schedule"] = Schedule };

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync();
        Gateway = await FunctionsGateway.StartAsync(Azurite, Settings);
    }

    public async Task DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }
        if (Azurite is not null)
        {
            await Azurite.DisposeAsync();
        }
    }
}

/// <summary>As <see cref="FunctionsHostFixture"/>, without <c>Gateway__Expiry__Schedule</c> in the app settings (as local.settings.sample.json).</summary>
public sealed class NoScheduleSettingFixture : FunctionsHostFixture
{
    protected override Dictionary<string, string?> Settings => [];
}
