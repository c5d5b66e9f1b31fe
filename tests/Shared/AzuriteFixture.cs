namespace ServerlessPush.Testing.Fixtures;

/// <summary>
/// One Azurite (in memory, on a free loopback port) shared by the tests of a collection or class;
/// every gateway gets a table of its own in it. Compiled into each test project that sets
/// <c>UseAzuriteFixture</c> (tests/Directory.Build.props): xunit wants fixtures and collection
/// definitions in the test assembly, and ServerlessPush.Testing stays free of xunit. Derive from it
/// to start more with the same Azurite.
/// </summary>
public class AzuriteFixture : IAsyncLifetime
{
    public AzuriteServer Azurite { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Azurite = await AzuriteServer.StartAsync();

    public virtual async Task DisposeAsync()
    {
        if (Azurite is not null)
        {
            await Azurite.DisposeAsync();
        }
    }
}

/// <summary>The test classes that share one <see cref="AzuriteFixture"/> for the whole assembly.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
