namespace ServerlessPush.Gateway.Tests.Infrastructure;

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
