using System.Net;
using ServerlessPush.FunctionsHost.Metadata;

namespace ServerlessPush.Functions.Tests;

/// <summary>
/// The rows of issue 11's table: what the real Azure Functions host 4.x made of this app (recorded in
/// the shared notes "functions-host-observed.md"). The Functions test host reproduced every one of
/// them with the app as it was (its router, YARP's forwarder and its setting resolution gave those
/// answers); with one route table and a catch-all function, each now gets the reference's answer.
/// The setting resolution is the host's and stays as observed.
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

    /// <summary>The host keeps <c>%2F</c> encoded and its forwarder escapes the '%' again; the router reads it as a slash, as Go does.</summary>
    [Fact]
    public async Task An_encoded_slash_splits_label_components_as_in_the_reference()
    {
        using var put = await Client.PutAsync("/metrics/job/enc/l/a%2Fb", new StringContent("m 1\n"));
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Contains("odd number of components in label string \"/l/a/b\"", await put.Content.ReadAsStringAsync());
        Assert.DoesNotContain("job=\"enc\"", await Client.GetStringAsync("/metrics"));
    }

    /// <summary>
    /// The one difference the host leaves: a literal "%2F" in a value (sent as <c>%252F</c>) reaches the
    /// worker as the same characters as an encoded slash (docs/functions.md), and is read as one.
    /// </summary>
    [Fact]
    public async Task A_literal_percent_2F_in_a_value_is_read_as_a_slash_under_the_host()
    {
        using var put = await Client.PutAsync("/metrics/job/enc/l/x%252Fy", new StringContent("m 1\n"));
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/metrics/job/x", "DELETE, OPTIONS, POST, PUT")]
    [InlineData("PATCH", "/metrics/job/x", "DELETE, OPTIONS, POST, PUT")]
    [InlineData("GET", "/api/v1/admin/wipe", "OPTIONS, PUT")]
    [InlineData("DELETE", "/api/v1/admin/wipe", "OPTIONS, PUT")]
    [InlineData("POST", "/-/healthy", "GET, OPTIONS")]
    [InlineData("HEAD", "/metrics", "GET, OPTIONS")]
    public async Task A_method_no_function_declares_is_the_references_405(string method, string path, string allow)
    {
        using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        if (method != "HEAD")
        {
            Assert.Equal("Method Not Allowed\n", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task A_trailing_slash_on_the_scrape_path_is_the_references_301()
    {
        using var response = await Client.GetAsync("/metrics/");
        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal("/metrics", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/index.html")]
    [InlineData("/metric/job/j")]
    public async Task An_unknown_path_is_the_references_404(string path)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("404 page not found\n", await response.Content.ReadAsStringAsync());
    }
}
