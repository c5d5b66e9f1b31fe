using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Security;

/// <summary>
/// The three rights over real HTTP against Azurite: every way a client can present a key, wrong keys,
/// keys of another right, rotation, anonymous access on and off, and nothing stored when refused.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AccessTests(AzuriteFixture fixture)
{
    private const string Push1 = "push-key-one";
    private const string Push2 = "push-key-two";
    private const string Read1 = "read-key-one";
    private const string Admin1 = "admin-key-one";

    private static readonly Dictionary<string, string?> Keyed = new()
    {
        ["Gateway:Access:AllowAnonymous"] = "false",
        ["Gateway:Access:AllowAnonymousAdmin"] = null,
        ["Gateway:Access:PushKeys:0"] = Push1,
        ["Gateway:Access:PushKeys:1"] = Push2,
        ["Gateway:Access:ReadKeys:0"] = Read1,
        ["Gateway:Access:AdminKeys:0"] = Admin1,
    };

    public enum Scheme { Basic, BasicNoUser, Bearer, FunctionsKey }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? key, Scheme scheme = Scheme.Bearer, string? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "text/plain");
        }
        if (key is not null)
        {
            switch (scheme)
            {
                case Scheme.Basic:
                    request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("prometheus:" + key)));
                    break;
                case Scheme.BasicNoUser:
                    request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(":" + key)));
                    break;
                case Scheme.Bearer:
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                    break;
                case Scheme.FunctionsKey:
                    request.Headers.Add("x-functions-key", key);
                    break;
            }
        }
        return request;
    }

    private static async Task<HttpResponseMessage> SendAsync(GatewayServer gateway, HttpMethod method, string path, string? key, Scheme scheme = Scheme.Bearer, string? body = null) =>
        await gateway.Client.SendAsync(Request(method, path, key, scheme, body));

    private static async Task<string> ScrapeAsync(GatewayServer gateway, string? key = Admin1)
    {
        var response = await SendAsync(gateway, HttpMethod.Get, "/metrics", key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Theory]
    [InlineData(Scheme.Basic)]
    [InlineData(Scheme.BasicNoUser)]
    [InlineData(Scheme.Bearer)]
    [InlineData(Scheme.FunctionsKey)]
    public async Task Each_right_works_with_each_way_of_presenting_a_key(Scheme scheme)
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, Keyed);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Put, "/metrics/job/a", Push1, scheme, "m 1\n")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Post, "/metrics/job/a", Push1, scheme, "n 2\n")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Get, "/metrics", Read1, scheme)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Get, "/api/v1/metrics", Read1, scheme)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Get, "/api/v1/status", Read1, scheme)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(gateway, HttpMethod.Delete, "/metrics/job/a", Push1, scheme)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Delete, "/api/v1/groups?job=a", Admin1, scheme)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(gateway, HttpMethod.Put, "/api/v1/admin/wipe", Admin1, scheme)).StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-key")]
    [InlineData("")]
    public async Task A_missing_or_wrong_key_is_401_with_WWW_Authenticate_and_nothing_is_stored(string? key)
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, Keyed);
        var cases = new (HttpMethod Method, string Path, string? Body)[]
        {
            (HttpMethod.Put, "/metrics/job/a", "m 1\n"),
            (HttpMethod.Post, "/metrics/job/a", "m 1\n"),
            (HttpMethod.Delete, "/metrics/job/a", null),
            (HttpMethod.Get, "/metrics", null),
            (HttpMethod.Get, "/api/v1/metrics", null),
            (HttpMethod.Get, "/api/v1/status", null),
            (HttpMethod.Put, "/api/v1/admin/wipe", null),
            (HttpMethod.Delete, "/api/v1/groups?job=a", null),
        };
        foreach (var scheme in new[] { Scheme.Basic, Scheme.Bearer, Scheme.FunctionsKey })
        {
            foreach (var (method, path, body) in cases)
            {
                var response = await SendAsync(gateway, method, path, key, scheme, body);
                Assert.True(HttpStatusCode.Unauthorized == response.StatusCode, $"{method} {path} with {scheme} '{key}': {response.StatusCode}");
                var challenge = string.Join(", ", response.Headers.WwwAuthenticate.Select(h => h.ToString()));
                Assert.Contains("Basic realm=\"ServerlessPush\"", challenge, StringComparison.Ordinal);
            }
        }
        Assert.DoesNotContain("job=\"a\"", await ScrapeAsync(gateway), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_of_another_right_is_403_and_nothing_is_stored()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, Keyed);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Put, "/metrics/job/keep", Push1, body: "kept 1\n")).StatusCode);

        // Read key cannot push or delete or wipe.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(gateway, HttpMethod.Put, "/metrics/job/a", Read1, body: "m 1\n")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(gateway, HttpMethod.Post, "/metrics/job/a", Read1, body: "m 1\n")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(gateway, HttpMethod.Delete, "/metrics/job/keep", Read1)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(gateway, HttpMethod.Put, "/api/v1/admin/wipe", Read1)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(gateway, HttpMethod.Delete, "/api/v1/groups?job=keep", Read1)).StatusCode);
        // Push key cannot delete by job either (admin only).
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(gateway, HttpMethod.Delete, "/api/v1/groups?job=keep", Push1)).StatusCode);
        // Push key cannot read or wipe.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(gateway, HttpMethod.Get, "/metrics", Push1)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(gateway, HttpMethod.Get, "/api/v1/metrics", Push2)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(gateway, HttpMethod.Put, "/api/v1/admin/wipe", Push1)).StatusCode);
        // 403 carries no challenge: the key was valid.
        Assert.Empty((await SendAsync(gateway, HttpMethod.Get, "/metrics", Push1)).Headers.WwwAuthenticate);

        var scraped = await ScrapeAsync(gateway, Read1);
        Assert.Contains("kept{", scraped, StringComparison.Ordinal);
        Assert.DoesNotContain("job=\"a\"", scraped, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_web_page_needs_the_read_right_and_its_assets_are_open()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, Keyed);
        var anonymous = await SendAsync(gateway, HttpMethod.Get, "/", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Basic realm=\"ServerlessPush\"", string.Join(", ", anonymous.Headers.WwwAuthenticate.Select(h => h.ToString())), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(gateway, HttpMethod.Get, "/", Push1)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Get, "/", Read1, Scheme.Basic)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Get, "/static/serverlesspush.js", null)).StatusCode);
    }

    [Fact]
    public async Task An_admin_key_also_pushes_and_reads()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, Keyed);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Put, "/metrics/job/a", Admin1, body: "m 1\n")).StatusCode);
        Assert.Contains("m{", await ScrapeAsync(gateway, Admin1), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_push_keys_both_work_so_keys_can_rotate()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, Keyed);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Put, "/metrics/job/old", Push1, Scheme.Basic, "m 1\n")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Put, "/metrics/job/new", Push2, Scheme.Basic, "m 1\n")).StatusCode);
        var scraped = await ScrapeAsync(gateway, Read1);
        Assert.Contains("job=\"old\"", scraped, StringComparison.Ordinal);
        Assert.Contains("job=\"new\"", scraped, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_keys_and_without_AllowAnonymous_everything_but_the_probes_is_closed()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?> { ["Gateway:Access:AllowAnonymous"] = "false", ["Gateway:Access:AllowAnonymousAdmin"] = null });
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(gateway, HttpMethod.Put, "/metrics/job/a", null, body: "m 1\n")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(gateway, HttpMethod.Get, "/metrics", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(gateway, HttpMethod.Put, "/api/v1/admin/wipe", "anything")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Get, "/-/healthy", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Get, "/-/ready", null)).StatusCode);
        // CORS preflight stays open.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Options, "/api/v1/metrics", null)).StatusCode);
    }

    [Fact]
    public async Task The_defaults_are_closed()
    {
        // No Access settings at all (GatewayServer's test default removed): the default is AllowAnonymous = false.
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?> { ["Gateway:Access:AllowAnonymous"] = null, ["Gateway:Access:AllowAnonymousAdmin"] = null });
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(gateway, HttpMethod.Get, "/metrics", null)).StatusCode);
    }

    [Fact]
    public async Task With_AllowAnonymous_and_a_push_key_the_rights_without_keys_are_closed()
    {
        // Issue 13: this was the documented partial-key setup, and it left wipe and delete by job open to anyone.
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?>
        {
            ["Gateway:Access:AllowAnonymous"] = "true",
            ["Gateway:Access:AllowAnonymousAdmin"] = null,
            ["Gateway:Access:PushKeys:0"] = Push1,
        });
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(gateway, HttpMethod.Put, "/metrics/job/a", null, body: "m 1\n")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Put, "/metrics/job/victim", Push1, body: "m 1\n")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(gateway, HttpMethod.Get, "/metrics", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(gateway, HttpMethod.Put, "/api/v1/admin/wipe", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(gateway, HttpMethod.Delete, "/api/v1/groups?job=victim", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(gateway, HttpMethod.Put, "/api/v1/admin/wipe", Push1)).StatusCode);
    }

    [Fact]
    public async Task A_right_opened_by_its_own_setting_is_open_beside_keys_of_another()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?>
        {
            ["Gateway:Access:AllowAnonymous"] = null,
            ["Gateway:Access:AllowAnonymousAdmin"] = null,
            ["Gateway:Access:AllowAnonymousRead"] = "true",
            ["Gateway:Access:PushKeys:0"] = Push1,
        });
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway, HttpMethod.Put, "/metrics/job/a", Push1, body: "m 1\n")).StatusCode);
        Assert.Contains("m{", await ScrapeAsync(gateway, key: null), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(gateway, HttpMethod.Put, "/api/v1/admin/wipe", null)).StatusCode);
    }

    [Fact]
    public async Task Admin_is_open_only_by_AllowAnonymousAdmin_and_keys_win_over_it()
    {
        await using (var open = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?>
        {
            ["Gateway:Access:AllowAnonymous"] = null,
            ["Gateway:Access:AllowAnonymousAdmin"] = "true",
        }))
        {
            Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(open, HttpMethod.Put, "/api/v1/admin/wipe", null)).StatusCode);
            // Opening admin opens only the admin routes.
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(open, HttpMethod.Get, "/metrics", null)).StatusCode);
        }
        await using var keyed = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?>
        {
            ["Gateway:Access:AllowAnonymousAdmin"] = "true",
            ["Gateway:Access:AdminKeys:0"] = Admin1,
        });
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(keyed, HttpMethod.Put, "/api/v1/admin/wipe", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(keyed, HttpMethod.Put, "/api/v1/admin/wipe", Admin1)).StatusCode);
    }
}
