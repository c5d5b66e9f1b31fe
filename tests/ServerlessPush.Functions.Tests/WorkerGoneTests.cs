using System.Diagnostics;
using System.Net;

namespace ServerlessPush.Functions.Tests;

/// <summary>When the worker process dies, requests the host routes to a function fail fast with 500, as under the host.</summary>
public sealed class WorkerGoneTests(FunctionsHostFixture fixture) : IClassFixture<FunctionsHostFixture>
{
    [Fact]
    public async Task A_request_after_the_worker_died_is_a_500_and_the_exit_is_logged()
    {
        using (var before = await fixture.Host.Client.GetAsync("/-/healthy"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }
        using (var worker = Process.GetProcessById(fixture.Host.WorkerProcessId))
        {
            worker.Kill(entireProcessTree: true); // the process this fixture started
            await worker.WaitForExitAsync();
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!fixture.Host.Log.Contains("Language Worker Process exited.") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.True(fixture.Host.Log.Contains("Language Worker Process exited."), fixture.Host.Log.ToString());

        var clock = Stopwatch.StartNew();
        using var after = await fixture.Host.Client.GetAsync("/-/healthy");
        Assert.Equal(HttpStatusCode.InternalServerError, after.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
        // Every path is some function's (the catch-all takes the rest): a fast 500 too, never a hang.
        using var unknown = await fixture.Host.Client.GetAsync("/nothing-here");
        Assert.Equal(HttpStatusCode.InternalServerError, unknown.StatusCode);
    }
}
