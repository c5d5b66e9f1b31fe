using System.Text.Json;

namespace ServerlessPush.Functions.Tests;

/// <summary>
/// The local host (local runs, tests, the benchmark) runs the runtime settings of the Functions worker,
/// so what is measured locally is what runs in Azure.
/// </summary>
public class RuntimeConfigTests
{
    private static bool? ServerGc(string app)
    {
        var path = Path.Combine(AppContext.BaseDirectory, app + ".runtimeconfig.json");
        Assert.True(File.Exists(path), $"{path} not found");
        var options = JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("runtimeOptions");
        return options.TryGetProperty("configProperties", out var properties) && properties.TryGetProperty("System.GC.Server", out var server)
            ? server.GetBoolean()
            : null;
    }

    [Fact]
    public void The_local_host_and_the_Functions_worker_run_the_workstation_GC()
    {
        Assert.False(ServerGc("ServerlessPush.Functions") ?? false, "the Functions worker runs the server GC");
        Assert.False(ServerGc("ServerlessPush.LocalHost") ?? false, "the local host runs the server GC: it would not measure what runs in Azure");
    }
}
