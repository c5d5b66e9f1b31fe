using System.Net;
using System.Text;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Security;

/// <summary>
/// Issue 13: a web page on another site must not change the gateway, whatever rights are open. The
/// headers are the ones browsers send (and pages cannot forge): <c>Origin</c> and <c>Sec-Fetch-Site</c>.
/// Clients send neither and are unaffected (tests/ServerlessPush.Clients.Tests run the real ones).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CrossSiteTests(AzuriteFixture fixture)
{
    private const string Evil = "http://evil.example";

    private static HttpRequestMessage Request(HttpMethod method, string path, string? body = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            // text/plain: a "simple" request, which a browser sends cross-site without a preflight.
            request.Content = new StringContent(body, Encoding.UTF8, "text/plain");
        }
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return request;
    }

    private static async Task<HttpResponseMessage> SendAsync(GatewayServer gateway, HttpMethod method, string path, string? body = null, params (string Name, string Value)[] headers) =>
        await gateway.Client.SendAsync(Request(method, path, body, headers));

    private static string OwnOrigin(GatewayServer gateway) => gateway.BaseAddress.GetLeftPart(UriPartial.Authority);

    [Fact]
    public async Task A_cross_site_simple_POST_is_refused_with_the_reason_and_not_stored()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        var response = await SendAsync(gateway, HttpMethod.Post, "/metrics/job/csrf", "stolen 1\n", ("Origin", Evil));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var reason = await response.Content.ReadAsStringAsync();
        Assert.Contains("cross-site", reason, StringComparison.Ordinal);
        Assert.Contains(Evil, reason, StringComparison.Ordinal);
        Assert.DoesNotContain("stolen", await gateway.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PUT", "/metrics/job/victim")]
    [InlineData("POST", "/metrics/job/victim")]
    [InlineData("DELETE", "/metrics/job/victim")]
    [InlineData("PUT", "/api/v1/admin/wipe")]
    [InlineData("DELETE", "/api/v1/groups?job=victim")]
    public async Task Every_state_changing_route_refuses_another_origin_and_cross_or_same_site_fetches(string method, string path)
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Put, "/metrics/job/victim", "kept 1\n")).StatusCode);
        var body = method is "PUT" or "POST" ? "m 1\n" : null;
        var refusals = new (string Name, string Value)[][]
        {
            [("Origin", Evil)],
            [("Origin", "null")],
            [("Origin", OwnOrigin(gateway).Replace("http://", "https://", StringComparison.Ordinal))],
            [("Origin", "http://127.0.0.1:1")],
            [("Sec-Fetch-Site", "cross-site")],
            [("Sec-Fetch-Site", "same-site")],
            [("Sec-Fetch-Site", "cross-site"), ("Origin", OwnOrigin(gateway))],
        };
        foreach (var headers in refusals)
        {
            var response = await SendAsync(gateway, new HttpMethod(method), path, body, headers);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path} with {string.Join(", ", headers)}: {(int)response.StatusCode}");
            Assert.Contains("cross-site", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Contains("kept{", await gateway.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_gateways_own_origin_a_navigation_and_clients_without_browser_headers_may_change_state()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        var allowed = new (string Name, string Value)[][]
        {
            [],
            [("Origin", OwnOrigin(gateway))],
            [("Origin", OwnOrigin(gateway).ToUpperInvariant())],
            [("Sec-Fetch-Site", "same-origin")],
            [("Sec-Fetch-Site", "none")],
            // Behind a proxy the gateway may not see its public host, but the browser says same-origin.
            [("Sec-Fetch-Site", "same-origin"), ("Origin", "https://gateway.example")],
            // Without Sec-Fetch-Site, the proxy's X-Forwarded-Proto/-Host name the public origin.
            [("Origin", "https://gateway.example"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "gateway.example")],
        };
        foreach (var headers in allowed)
        {
            var what = string.Join(", ", headers);
            Assert.True(HttpStatusCode.OK == (await SendAsync(gateway, HttpMethod.Put, "/metrics/job/own", "m 1\n", headers)).StatusCode, what);
            Assert.True(HttpStatusCode.OK == (await SendAsync(gateway, HttpMethod.Post, "/metrics/job/own", "n 1\n", headers)).StatusCode, what);
            Assert.True(HttpStatusCode.Accepted == (await SendAsync(gateway, HttpMethod.Delete, "/metrics/job/own", null, headers)).StatusCode, what);
            Assert.True(HttpStatusCode.OK == (await SendAsync(gateway, HttpMethod.Delete, "/api/v1/groups?job=own", null, headers)).StatusCode, what);
            Assert.True(HttpStatusCode.Accepted == (await SendAsync(gateway, HttpMethod.Put, "/api/v1/admin/wipe", null, headers)).StatusCode, what);
        }
    }

    [Theory]
    [InlineData("/api/v1/groups?job=victim", "DELETE")]
    [InlineData("/api/v1/admin/wipe", "PUT")]
    [InlineData("/api/v1/metrics", "POST")]
    [InlineData("/metrics/job/victim", "DELETE")]
    [InlineData("/metrics/job/victim", "PUT")]
    public async Task CORS_grants_nothing_to_other_origins_for_state_changing_methods(string path, string method)
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        var preflight = await SendAsync(gateway, HttpMethod.Options, path, null,
            ("Origin", Evil), ("Access-Control-Request-Method", method), ("Access-Control-Request-Headers", "content-type"));
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"), $"preflight for {method} {path} was approved");
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Methods"));
    }

    [Fact]
    public async Task State_changing_answers_carry_no_CORS_grant()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        var wipe = await SendAsync(gateway, HttpMethod.Put, "/api/v1/admin/wipe");
        Assert.Equal(HttpStatusCode.Accepted, wipe.StatusCode);
        Assert.False(wipe.Headers.Contains("Access-Control-Allow-Origin"));
        var deleteJob = await SendAsync(gateway, HttpMethod.Delete, "/api/v1/groups?job=x");
        Assert.Equal(HttpStatusCode.OK, deleteJob.StatusCode);
        Assert.False(deleteJob.Headers.Contains("Access-Control-Allow-Origin"));
    }

    /// <summary>
    /// Reads keep the reference's <c>Access-Control-Allow-Origin: *</c>: it never lets a page use the
    /// visitor's credentials, so a page can read only what it could read without a key anyway.
    /// </summary>
    [Fact]
    public async Task Reads_of_the_JSON_API_stay_readable_from_any_origin()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        var read = await SendAsync(gateway, HttpMethod.Get, "/api/v1/metrics", null, ("Origin", Evil));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("*", read.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(read.Headers.Contains("Access-Control-Allow-Credentials"));

        var preflight = await SendAsync(gateway, HttpMethod.Options, "/api/v1/status", null,
            ("Origin", Evil), ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "authorization"));
        Assert.Equal("*", preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("GET, OPTIONS", preflight.Headers.GetValues("Access-Control-Allow-Methods").Single());
    }
}
