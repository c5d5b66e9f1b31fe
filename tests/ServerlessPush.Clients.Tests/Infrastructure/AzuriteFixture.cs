using ServerlessPush.Testing;

namespace ServerlessPush.Clients.Tests.Infrastructure;

/// <summary>
/// One Azurite for the whole test assembly; every gateway gets a table of its own in it. The
/// gateways of the three targets come from <see cref="Gateways"/>.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public AzuriteServer Azurite { get; private set; } = null!;

    public GatewayTargetPool Gateways { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        GoClient.Prebuild(); // compiles while Azurite starts and the other clients run
        Azurite = await AzuriteServer.StartAsync();
        Gateways = new GatewayTargetPool(Azurite);
    }

    public async Task DisposeAsync()
    {
        if (Gateways is not null)
        {
            await Gateways.DisposeAsync();
        }
        await Azurite.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
