namespace ServerlessPush.Clients.Tests.Infrastructure;

/// <summary>
/// The shared Azurite for the whole test assembly plus the gateways of the three targets
/// (<see cref="Gateways"/>); every gateway gets a table of its own in it.
/// </summary>
public sealed class GatewayTargetsFixture : AzuriteFixture
{
    public GatewayTargetPool Gateways { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        GoClient.Prebuild(); // compiles while Azurite starts and the other clients run
        await base.InitializeAsync();
        Gateways = new GatewayTargetPool(Azurite);
    }

    public override async Task DisposeAsync()
    {
        if (Gateways is not null)
        {
            await Gateways.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayTargetsCollection : ICollectionFixture<GatewayTargetsFixture>
{
    public const string Name = "Azurite and the gateway targets";
}
