using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Infrastructure;

/// <summary>One Azurite for the whole test assembly; every gateway gets a table of its own in it.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public AzuriteServer Azurite { get; private set; } = null!;

    public async Task InitializeAsync() => Azurite = await AzuriteServer.StartAsync();

    public async Task DisposeAsync() => await Azurite.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}

/// <summary>
/// Tests that measure the process (<c>GC.GetTotalAllocatedBytes</c> counts every thread) or answer
/// times under a load of their own: they run alone, after the parallel collections, so no other
/// test's work is counted or competes.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAloneCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Runs alone (measures memory or time)";
}
