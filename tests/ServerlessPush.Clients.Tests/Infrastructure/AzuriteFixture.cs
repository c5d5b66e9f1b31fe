using ServerlessPush.Testing;

namespace ServerlessPush.Clients.Tests.Infrastructure;

/// <summary>One Azurite for the whole test assembly; every gateway gets a table of its own in it.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public AzuriteServer Azurite { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        GoClient.Prebuild(); // compiles while Azurite starts and the other clients run
        Azurite = await AzuriteServer.StartAsync();
    }

    public async Task DisposeAsync() => await Azurite.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
