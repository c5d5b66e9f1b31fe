using ServerlessPush.FunctionsHost;
using ServerlessPush.Testing;

namespace ServerlessPush.Functions.Tests;

/// <summary>
/// The cheap guard: the published app, run on its own as <c>dotnet ServerlessPush.Functions.dll</c>,
/// builds its host and gets as far as looking for the Functions host's gRPC endpoint. Any exception
/// before that (a type that does not load, a service registration that throws) fails here.
/// </summary>
public sealed class PublishedAppStartupTests
{
    public const string ExpectedFailure = "System.InvalidOperationException: Configuration is missing the 'HostEndpoint' information.";

    [Fact]
    public async Task Run_alone_it_reaches_the_point_where_it_looks_for_its_host()
    {
        var app = await PublishedFunctionsApp.GetAsync();
        await using var process = ManagedProcess.Start(new ManagedProcessOptions
        {
            Name = "ServerlessPush.Functions (alone)",
            FileName = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet",
            Arguments = [Path.Combine(app, PublishedFunctionsApp.AssemblyName)],
            WorkingDirectory = app,
            // Nothing of a host around it: no endpoint, no worker id, no app settings.
            Environment = new Dictionary<string, string?> { ["Functions__Worker__HostEndpoint"] = null, ["FUNCTIONS_WORKER_RUNTIME"] = null },
        });
        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the app kept running on its own:\n" + process.Output);

        var output = process.Output;
        Assert.NotEqual(0, process.ExitCode);
        var unhandled = output.Split('\n').Where(l => l.Contains("Unhandled exception.", StringComparison.Ordinal)).ToList();
        var first = Assert.Single(unhandled);
        Assert.True(first.Contains(ExpectedFailure, StringComparison.Ordinal), "it failed before looking for its host:\n" + output);
        // The host was built and is starting: the failure comes from starting it, not from building it.
        Assert.Contains("at Microsoft.Extensions.Hosting.Internal.Host.StartAsync", output, StringComparison.Ordinal);
    }
}
