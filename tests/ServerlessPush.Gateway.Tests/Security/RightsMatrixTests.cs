using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Security;

/// <summary>
/// The rights matrix (issue 13): for each documented configuration, every route asked with no key,
/// a wrong key and each kind of key, over real HTTP against Azurite. The expected answers are written
/// here and must also be the tables in docs/access.md, so the docs cannot drift from the code.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RightsMatrixTests(AzuriteFixture fixture)
{
    private const string PushKey = "push-key-one";
    private const string ReadKey = "read-key-one";
    private const string AdminKey = "admin-key-one";

    /// <summary>The columns: who asks.</summary>
    private static readonly (string Name, string? Key)[] Callers =
    [
        ("no key", null),
        ("wrong key", "not-a-key"),
        ("push key", PushKey),
        ("read key", ReadKey),
        ("admin key", AdminKey),
    ];

    /// <summary>The rows, in the order they are sent.</summary>
    private static readonly string[] Routes =
    [
        "PUT /metrics/job/m",
        "POST /metrics/job/m",
        "DELETE /metrics/job/m",
        "GET /metrics",
        "GET /api/v1/metrics",
        "GET /api/v1/status",
        "GET /",
        "PUT /api/v1/admin/wipe",
        "DELETE /api/v1/groups?job=m",
        "GET /-/healthy",
        "GET /-/ready",
        "GET /static/serverlesspush.js",
        "OPTIONS /api/v1/metrics",
    ];

    public static readonly Dictionary<string, (Dictionary<string, string?> Settings, string[] Expected)> Configurations = new()
    {
        ["all three rights have keys"] = (
            new() { ["Gateway:Access:AllowAnonymous"] = "false", ["Gateway:Access:PushKeys:0"] = PushKey, ["Gateway:Access:ReadKeys:0"] = ReadKey, ["Gateway:Access:AdminKeys:0"] = AdminKey },
            [
                "401 401 200 403 200",
                "401 401 200 403 200",
                "401 401 202 403 202",
                "401 401 403 200 200",
                "401 401 403 200 200",
                "401 401 403 200 200",
                "401 401 403 200 200",
                "401 401 403 403 202",
                "401 401 403 403 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
            ]),
        // Issue 13's reproduction: before, read and admin (wipe, delete by job) were open to anyone here.
        ["only push keys, AllowAnonymous=true"] = (
            new() { ["Gateway:Access:AllowAnonymous"] = "true", ["Gateway:Access:PushKeys:0"] = PushKey },
            [
                "401 401 200 401 401",
                "401 401 200 401 401",
                "401 401 202 401 401",
                "401 401 403 401 401",
                "401 401 403 401 401",
                "401 401 403 401 401",
                "401 401 403 401 401",
                "401 401 403 401 401",
                "401 401 403 401 401",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
            ]),
        ["only push keys, AllowAnonymousRead=true"] = (
            new() { ["Gateway:Access:AllowAnonymousRead"] = "true", ["Gateway:Access:PushKeys:0"] = PushKey },
            [
                "401 401 200 401 401",
                "401 401 200 401 401",
                "401 401 202 401 401",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "401 401 403 401 401",
                "401 401 403 401 401",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
            ]),
        ["no keys, AllowAnonymous=true"] = (
            new() { ["Gateway:Access:AllowAnonymous"] = "true" },
            [
                "200 200 200 200 200",
                "200 200 200 200 200",
                "202 202 202 202 202",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "401 401 401 401 401",
                "401 401 401 401 401",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
            ]),
        ["no keys, AllowAnonymous=true and AllowAnonymousAdmin=true (run-local.sh)"] = (
            new() { ["Gateway:Access:AllowAnonymous"] = "true", ["Gateway:Access:AllowAnonymousAdmin"] = "true" },
            [
                "200 200 200 200 200",
                "200 200 200 200 200",
                "202 202 202 202 202",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "202 202 202 202 202",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
            ]),
        ["no keys, nothing allowed (the default)"] = (
            new() { ["Gateway:Access:AllowAnonymous"] = null },
            [
                "401 401 401 401 401",
                "401 401 401 401 401",
                "401 401 401 401 401",
                "401 401 401 401 401",
                "401 401 401 401 401",
                "401 401 401 401 401",
                "401 401 401 401 401",
                "401 401 401 401 401",
                "401 401 401 401 401",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
                "200 200 200 200 200",
            ]),
    };

    public static TheoryData<string> ConfigurationNames => [.. Configurations.Keys];

    [Theory]
    [MemberData(nameof(ConfigurationNames))]
    public async Task Every_route_answers_every_caller_as_the_matrix_says(string configuration)
    {
        var (settings, expected) = Configurations[configuration];
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, WithoutTestDefaults(settings));
        var actual = new List<string>();
        foreach (var route in Routes)
        {
            var cells = new List<string>();
            foreach (var (_, key) in Callers)
            {
                using var response = await gateway.Client.SendAsync(Request(route, key));
                cells.Add(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            actual.Add(string.Join(' ', cells));
        }
        Assert.Equal(Format(expected), Format([.. actual]));
    }

    [Fact]
    public void The_docs_show_the_same_matrices()
    {
        var docs = File.ReadAllLines(Path.Combine(RepoPaths.Root, "docs", "access.md"));
        foreach (var (name, (_, expected)) in Configurations)
        {
            var marker = Array.FindIndex(docs, l => l.Trim() == $"<!-- rights matrix: {name} -->");
            Assert.True(marker >= 0, $"docs/access.md has no matrix for '{name}'");
            var rows = docs.Skip(marker + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).ToList();
            var header = Cells(rows[0]);
            Assert.Equal(Callers.Select(c => c.Name), header.Skip(1));
            var body = rows.Skip(2).Select(Cells).ToList();
            Assert.Equal(Routes, body.Select(r => r[0].Trim('`')));
            Assert.Equal(Format(expected), Format([.. body.Select(r => string.Join(' ', r.Skip(1)))]));
        }
    }

    [Fact]
    public async Task The_start_up_log_says_in_one_line_what_is_open_and_shows_no_key()
    {
        var expectations = new Dictionary<string, string>
        {
            ["all three rights have keys"] = "push: 1 key; read: 1 key; admin: 1 key",
            ["only push keys, AllowAnonymous=true"] = "push: 1 key; read: closed (no keys); admin: closed (no keys; AllowAnonymousAdmin off); AllowAnonymous ignored (keys are configured)",
            ["only push keys, AllowAnonymousRead=true"] = "push: 1 key; read: open to anyone (AllowAnonymousRead); admin: closed (no keys; AllowAnonymousAdmin off)",
            ["no keys, AllowAnonymous=true"] = "push: open to anyone (AllowAnonymous, no keys configured); read: open to anyone (AllowAnonymous, no keys configured); admin: closed (no keys; AllowAnonymousAdmin off)",
        };
        foreach (var (name, line) in expectations)
        {
            var logs = new RecordingLoggerProvider();
            var settings = WithoutTestDefaults(Configurations[name].Settings);
            settings["Logging:LogLevel:ServerlessPush.Http.AccessStartupLog"] = "Information";
            await using (await GatewayServer.StartAsync(fixture.Azurite, settings, builder => builder.Logging.AddProvider(logs)))
            {
                var access = logs.Messages.Where(m => m.Category == "ServerlessPush.Http.AccessStartupLog").ToList();
                var message = Assert.Single(access);
                Assert.Equal("Gateway access: " + line, message.Text);
                Assert.DoesNotContain('\n', message.Text);
                Assert.Equal(name == "all three rights have keys" ? LogLevel.Information : LogLevel.Warning, message.Level);
                foreach (var key in new[] { PushKey, ReadKey, AdminKey })
                {
                    Assert.DoesNotContain(logs.Messages, m => m.Text.Contains(key, StringComparison.Ordinal));
                }
            }
        }
    }

    /// <summary>The test host opens push, read and admin by default; here only the configuration's own settings count.</summary>
    private static Dictionary<string, string?> WithoutTestDefaults(Dictionary<string, string?> settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Gateway:Access:AllowAnonymous"] = null,
            ["Gateway:Access:AllowAnonymousAdmin"] = null,
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }
        return values;
    }

    private static HttpRequestMessage Request(string route, string? key)
    {
        var space = route.IndexOf(' ', StringComparison.Ordinal);
        var method = new HttpMethod(route[..space]);
        var request = new HttpRequestMessage(method, route[(space + 1)..]);
        if (method == HttpMethod.Put || method == HttpMethod.Post)
        {
            request.Content = new StringContent("m 1\n", Encoding.UTF8, "text/plain");
        }
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return request;
    }

    private static string Format(string[] rows) => string.Join('\n', Routes.Zip(rows, (route, row) => $"{route,-32} {row}"));

    private static string[] Cells(string row) => row.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
}
