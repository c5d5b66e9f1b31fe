using System.Net;
using ServerlessPush.FunctionsHost.Metadata;

namespace ServerlessPush.Functions.Tests;

/// <summary>
/// What the real Azure Functions host 4.x did with this app (issue 11's table, recorded in the
/// shared notes "functions-host-observed.md"), reproduced by the Functions test host: its router,
/// YARP's forwarder and its setting resolution, not the app, give these answers. They pin the test host to the real one;
/// when the app's routing changes (one route table and a catch-all function, issue 11 item 3), the
/// answers here change with it.
/// </summary>
public sealed class ObservedHostBehaviourTests(NoScheduleSettingFixture fixture) : IClassFixture<NoScheduleSettingFixture>
{
    private HttpClient Client => fixture.Host.Client;

    /// <summary>
    /// The host resolves <c>%Gateway:Expiry:Schedule%</c> from the app settings only; the app's own
    /// default never reaches it, and the timer is disabled with the WebJobs SDK's errors.
    /// </summary>
    [Fact]
    public async Task Without_the_schedule_app_setting_the_expiry_timer_is_disabled()
    {
        var sweep = Assert.Single(fixture.Host.Functions, f => f.Name == "ExpirySweep");
        Assert.Equal(FunctionState.InError, sweep.State);
        Assert.True(fixture.Host.Log.Contains("Error indexing method 'Functions.ExpirySweep'")
            && fixture.Host.Log.Contains("'%Gateway:Expiry:Schedule%' does not resolve to a value.")
            && fixture.Host.Log.Contains("Function 'Functions.ExpirySweep' failed indexing and will be disabled."), fixture.Host.Log.ToString());
        await Assert.ThrowsAsync<InvalidOperationException>(() => fixture.Host.InvokeTimerAsync("ExpirySweep"));
        // The rest of the app is unaffected.
        Assert.All(fixture.Host.Functions.Where(f => f != sweep), f => Assert.Equal(FunctionState.Ready, f.State));
    }

    /// <summary>The forwarder re-encodes <c>%</c> (dotnet/yarp#1419): the worker sees <c>a%2Fb</c>, and <c>%252F</c> lands in the same group.</summary>
    [Fact]
    public async Task An_encoded_slash_reaches_the_app_as_a_literal_percent_2F()
    {
        using (var put = await Client.PutAsync("/metrics/job/enc/l/a%2Fb", new StringContent("m 1\n")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        Assert.Contains("m{instance=\"\",job=\"enc\",l=\"a%2Fb\"} 1\n", await Client.GetStringAsync("/metrics"));
        using (var put = await Client.PutAsync("/metrics/job/enc/l/a%252Fb", new StringContent("m 2\n")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        var scrape = await Client.GetStringAsync("/metrics");
        Assert.Contains("m{instance=\"\",job=\"enc\",l=\"a%2Fb\"} 2\n", scrape);
        Assert.DoesNotContain("m{instance=\"\",job=\"enc\",l=\"a%2Fb\"} 1\n", scrape);
    }

    [Theory]
    [InlineData("GET", "/metrics/job/x")]
    [InlineData("PATCH", "/metrics/job/x")]
    [InlineData("GET", "/api/v1/admin/wipe")]
    [InlineData("DELETE", "/api/v1/admin/wipe")]
    [InlineData("POST", "/-/healthy")]
    [InlineData("HEAD", "/metrics")]
    public async Task A_method_no_function_takes_is_404_with_an_empty_body(string method, string path)
    {
        using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_trailing_slash_on_the_scrape_path_is_the_scrape()
    {
        using var response = await Client.GetAsync("/metrics/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString());
    }

    [Theory]
    [InlineData("/index.html")]
    [InlineData("/metric/job/j")]
    public async Task An_unknown_path_is_404_with_an_empty_body(string path)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }
}
