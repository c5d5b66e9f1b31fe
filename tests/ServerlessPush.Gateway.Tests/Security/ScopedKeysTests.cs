using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Security;

/// <summary>
/// Keys scoped to jobs (issue 17), over real HTTP against Azurite: the matrix of scoped and unscoped
/// keys × routes × jobs (also in docs/access.md), then what a scoped key sees and deletes.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ScopedKeysTests(AzuriteFixture fixture)
{
    private const string PushKey = "unscoped-push";
    private const string ReadKey = "unscoped-read";
    private const string AdminKey = "unscoped-admin";
    private const string TeamAPush = "team-a-push";
    private const string TeamARead = "team-a-read";
    private const string TeamAAdmin = "team-a-admin";
    private const string BackupPushRead = "backup-push-read";

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Gateway:Access:AllowAnonymous"] = null,
        ["Gateway:Access:AllowAnonymousAdmin"] = null,
        ["Gateway:Access:PushKeys:0"] = PushKey,
        ["Gateway:Access:ReadKeys:0"] = ReadKey,
        ["Gateway:Access:AdminKeys:0"] = AdminKey,
        ["Gateway:Access:ScopedKeys:0:Key"] = TeamAPush,
        ["Gateway:Access:ScopedKeys:0:Rights"] = "push",
        ["Gateway:Access:ScopedKeys:0:Jobs"] = "team-a-*",
        ["Gateway:Access:ScopedKeys:1:Key"] = TeamARead,
        ["Gateway:Access:ScopedKeys:1:Rights"] = "read",
        ["Gateway:Access:ScopedKeys:1:Jobs"] = "team-a-*",
        ["Gateway:Access:ScopedKeys:2:Key"] = TeamAAdmin,
        ["Gateway:Access:ScopedKeys:2:Rights"] = "admin",
        ["Gateway:Access:ScopedKeys:2:Jobs"] = "team-a-*",
        ["Gateway:Access:ScopedKeys:3:Key"] = BackupPushRead,
        ["Gateway:Access:ScopedKeys:3:Rights"] = "push, read",
        ["Gateway:Access:ScopedKeys:3:Jobs"] = "backup",
    };

    /// <summary>The columns: who asks.</summary>
    private static readonly (string Name, string? Key)[] Callers =
    [
        ("no key", null),
        ("push", PushKey),
        ("read", ReadKey),
        ("admin", AdminKey),
        ("team-a-* push", TeamAPush),
        ("team-a-* read", TeamARead),
        ("team-a-* admin", TeamAAdmin),
        ("backup push,read", BackupPushRead),
    ];

    private static readonly string Everything = Uri.EscapeDataString("{job=~\"team-.*\"}");

    /// <summary>Route and the expected answer of each caller, in the order sent.</summary>
    private static readonly (string Route, string Expected)[] Matrix =
    [
        ("PUT /metrics/job/team-a-web", "401 200 403 200 200 403 200 403"),
        ("PUT /metrics/job/team-b", "401 200 403 200 403 403 403 403"),
        ("PUT /metrics/job/backup", "401 200 403 200 403 403 403 200"),
        ("POST /metrics/job/team-a-web", "401 200 403 200 200 403 200 403"),
        ("POST /metrics/job/team-b", "401 200 403 200 403 403 403 403"),
        ("DELETE /metrics/job/team-a-web", "401 202 403 202 202 403 202 403"),
        ("DELETE /metrics/job/team-b", "401 202 403 202 403 403 403 403"),
        ("GET /metrics", "401 403 200 200 403 200 200 200"),
        ("GET /api/v1/metrics", "401 403 200 200 403 200 200 200"),
        ("GET /api/v1/status", "401 403 200 200 403 200 200 200"),
        ("GET /", "401 403 200 200 403 200 200 200"),
        ("DELETE /api/v1/groups?job=team-a-web", "401 403 403 200 200 403 200 403"),
        ("DELETE /api/v1/groups?job=team-b", "401 403 403 200 403 403 403 403"),
        ($"DELETE /api/v1/groups?match[]={Everything}&dry_run=true", "401 403 403 200 200 403 200 200"),
        ("PUT /api/v1/admin/wipe", "401 403 403 202 403 403 403 403"),
    ];

    [Fact]
    public async Task Every_route_and_job_answers_every_key_as_the_matrix_says()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, Settings);
        var actual = new List<string>();
        foreach (var (route, _) in Matrix)
        {
            var cells = new List<string>();
            foreach (var (_, key) in Callers)
            {
                using var response = await gateway.Client.SendAsync(Request(route, key));
                cells.Add(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            actual.Add(string.Join(' ', cells));
        }
        Assert.Equal(Format(Matrix.Select(m => m.Expected)), Format(actual));
    }

    [Fact]
    public void The_docs_show_the_same_matrix()
    {
        var docs = File.ReadAllLines(Path.Combine(RepoPaths.Root, "docs", "access.md"));
        var marker = Array.FindIndex(docs, l => l.Trim() == "<!-- scoped keys matrix -->");
        Assert.True(marker >= 0, "docs/access.md has no scoped keys matrix");
        var rows = docs.Skip(marker + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).ToList();
        Assert.Equal(Callers.Select(c => c.Name), Cells(rows[0]).Skip(1));
        var body = rows.Skip(2).Select(Cells).ToList();
        Assert.Equal(Matrix.Select(m => Uri.UnescapeDataString(m.Route)), body.Select(r => r[0].Trim('`')));
        Assert.Equal(Format(Matrix.Select(m => m.Expected)), Format(body.Select(r => string.Join(' ', r.Skip(1)))));
    }

    [Fact]
    public async Task A_push_or_delete_outside_the_keys_jobs_is_403_with_the_reason_and_stores_nothing()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, Settings);
        using var push = await gateway.Client.SendAsync(Request("PUT /metrics/job/team-b/instance/x", TeamAPush));
        Assert.Equal(HttpStatusCode.Forbidden, push.StatusCode);
        Assert.Equal("Forbidden: this key is scoped to jobs team-a-*; job \"team-b\" is not one of them\n", await push.Content.ReadAsStringAsync());
        // The job may be base64 in the path: the scope sees the decoded name.
        using var base64 = await gateway.Client.SendAsync(Request($"PUT /metrics/job@base64/{Convert.ToBase64String(Encoding.UTF8.GetBytes("team-b"))}", TeamAPush));
        Assert.Equal(HttpStatusCode.Forbidden, base64.StatusCode);
        using var scrape = await gateway.Client.SendAsync(Request("GET /api/v1/metrics", AdminKey));
        Assert.Equal("[]", JsonDocument.Parse(await scrape.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetRawText());

        using var selector = await gateway.Client.SendAsync(Request($"DELETE /api/v1/groups?match[]={Uri.EscapeDataString("{job=\"team-b\"}")}", TeamAAdmin));
        Assert.Equal(HttpStatusCode.Forbidden, selector.StatusCode);
        Assert.Contains("job \"team-b\" is not one of them", await selector.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var wipe = await gateway.Client.SendAsync(Request("PUT /api/v1/admin/wipe", TeamAAdmin));
        Assert.Equal("Forbidden: wiping needs an unscoped admin key; this key is scoped to jobs team-a-*\n", await wipe.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_scoped_read_key_scrapes_lists_and_pages_only_its_jobs()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, Settings);
        foreach (var job in new[] { "team-a-web", "team-a-db", "team-b", "backup" })
        {
            using var put = await gateway.Client.SendAsync(Request($"PUT /metrics/job/{job}/instance/i1", AdminKey, $"seen{{team=\"{job}\"}} 1\n"));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        async Task<string> GetAsync(string path, string key)
        {
            using var response = await gateway.Client.SendAsync(Request("GET " + path, key));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }
        string[] Jobs(string json) => [.. JsonDocument.Parse(json).RootElement.GetProperty("data").EnumerateArray()
            .Select(g => g.GetProperty("labels").GetProperty("job").GetString()!).Order(StringComparer.Ordinal)];
        string[] ScrapedJobs(string text) => [.. text.Split('\n').Where(l => l.StartsWith("seen{", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("job=\"", StringComparison.Ordinal) + 5)..]).Select(l => l[..l.IndexOf('"', StringComparison.Ordinal)]).Order(StringComparer.Ordinal)];

        Assert.Equal(["team-a-db", "team-a-web"], ScrapedJobs(await GetAsync("/metrics", TeamARead)));
        Assert.Equal(["team-a-db", "team-a-web"], Jobs(await GetAsync("/api/v1/metrics", TeamARead)));
        Assert.Equal(["team-a-db", "team-a-web"], Jobs(await GetAsync("/api/v1/metrics", TeamAAdmin)));
        Assert.Equal(["backup"], ScrapedJobs(await GetAsync("/metrics", BackupPushRead)));
        Assert.Equal(["backup", "team-a-db", "team-a-web", "team-b"], ScrapedJobs(await GetAsync("/metrics", ReadKey)));
        var page = await GetAsync("/", TeamARead);
        Assert.Contains("team-a-web", page, StringComparison.Ordinal);
        Assert.DoesNotContain("team-b", page, StringComparison.Ordinal);
        Assert.DoesNotContain("backup", page, StringComparison.Ordinal);
        // A selector narrows within the scope, never beyond it.
        Assert.Equal(["team-a-web"], ScrapedJobs(await GetAsync("/metrics?match[]=" + Uri.EscapeDataString("{job=\"team-a-web\"}"), TeamARead)));
        Assert.Empty(ScrapedJobs(await GetAsync("/metrics?match[]=" + Uri.EscapeDataString("{job=\"team-b\"}"), TeamARead)));
        Assert.Equal(["backup"], Jobs(await GetAsync("/api/v1/metrics?match[]=" + Uri.EscapeDataString("{job=~\".+\"}"), BackupPushRead)));

        // A scoped admin key's delete by selector takes only its own jobs' groups.
        using var delete = await gateway.Client.SendAsync(Request("DELETE /api/v1/groups?match[]=" + Uri.EscapeDataString("{job=~\".+\"}"), TeamAAdmin));
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        var deleted = JsonDocument.Parse(await delete.Content.ReadAsStringAsync()).RootElement.GetProperty("data");
        Assert.Equal(2, deleted.GetProperty("deleted").GetInt32());
        Assert.Equal(["backup", "team-b"], ScrapedJobs(await GetAsync("/metrics", ReadKey)));
    }

    [Fact]
    public async Task A_scoped_entry_with_unknown_rights_stops_the_start()
    {
        var settings = new Dictionary<string, string?>(Settings) { ["Gateway:Access:ScopedKeys:0:Rights"] = "pussh" };
        var e = await Assert.ThrowsAnyAsync<Exception>(async () => await (await GatewayServer.StartAsync(fixture.Azurite, settings)).DisposeAsync());
        Assert.Contains("ScopedKeys:0:Rights must list push, read and/or admin", e.ToString(), StringComparison.Ordinal);
    }

    private static HttpRequestMessage Request(string route, string? key, string body = "m 1\n")
    {
        var space = route.IndexOf(' ', StringComparison.Ordinal);
        var method = new HttpMethod(route[..space]);
        var request = new HttpRequestMessage(method, route[(space + 1)..]);
        if (method == HttpMethod.Put || method == HttpMethod.Post)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "text/plain");
        }
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return request;
    }

    private static string Format(IEnumerable<string> rows) => string.Join('\n', Matrix.Zip(rows, (m, row) => $"{Uri.UnescapeDataString(m.Route),-60} {row}"));

    private static string[] Cells(string row) => row.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
}
