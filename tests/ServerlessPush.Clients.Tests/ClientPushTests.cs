using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ServerlessPush.Clients.Tests.Infrastructure;

namespace ServerlessPush.Clients.Tests;

/// <summary>
/// Each real client pushes a counter, a gauge and a histogram with its own API to job="backup",
/// instance="db-1", site="eu"; GET /metrics shows what it pushed. Push (PUT) replaces the group,
/// pushAdd (POST) keeps the group's other metrics, delete removes it. Against each target: the
/// reference Pushgateway, the local host and the Functions app under the Functions test host (both
/// over Azurite); the key tests against the two with access control.
/// </summary>
[Collection(GatewayTargetsCollection.Name)]
[TestCaseOrderer(GoLastOrderer.TypeName, GoLastOrderer.AssemblyName)]
public sealed class ClientPushTests(GatewayTargetsFixture fixture)
{
    public const string PushKey = "push-key-0123456789";
    public const string ReadKey = "read-key-0123456789";
    private const string SeedContentType = "text/x-seed; charset=utf-8";
    private const string Group = "instance=\"db-1\",job=\"backup\",site=\"eu\"";

    /// <summary>Access control (issue 5) with one push key and one read key, no anonymous access.</summary>
    public static Dictionary<string, string?> KeyedSettings => new()
    {
        ["Gateway:Access:AllowAnonymous"] = "false",
        ["Gateway:Access:PushKeys:0"] = PushKey,
        ["Gateway:Access:ReadKeys:0"] = ReadKey,
    };

    /// <summary>Push and read open without a key, each by its own setting, so they stay open beside the admin key a shared gateway is wiped with.</summary>
    public static Dictionary<string, string?> AnonymousSettings => new()
    {
        ["Gateway:Access:AllowAnonymousPush"] = "true",
        ["Gateway:Access:AllowAnonymousRead"] = "true",
    };

    [Theory]
    [MemberData(nameof(Targets.AllWithClients), MemberType = typeof(Targets))]
    public async Task Push_pushAdd_delete_without_a_key(string target, string client)
    {
        await using var gateway = await fixture.Gateways.LeaseAsync(target, AnonymousSettings);
        await RunScenarioAsync(PushClient.All[client], gateway, key: null);
        if (gateway.Recorder is { } recorder)
        {
            var pushes = recorder.Pushes.Where(r => r.ContentType != SeedContentType).ToList();
            Assert.All(pushes, r => Assert.True(r.Authorization is null && r.FunctionsKey is null, r.ToString()));
            AssertWire(client, pushes);
        }
    }

    /// <summary>What each library puts on the wire (so the formats and framings above are really exercised).</summary>
    private static void AssertWire(string client, IReadOnlyList<RecordedRequest> pushes)
    {
        var all = string.Join("\n", pushes);
        var put = pushes.First(r => r.Method == "PUT");
        var post = pushes.First(r => r.Method == "POST");
        switch (client)
        {
            case "prom-client": // chunked, and no Content-Type at all
                Assert.True(put.ContentType is null && put.TransferEncoding == "chunked" && put.ContentLength is null, all);
                break;
            case "axios": // a string body goes out as a form
                Assert.True(put.ContentType == "application/x-www-form-urlencoded", all);
                break;
            case "python":
                Assert.True(put.ContentType == "text/plain; version=0.0.4; charset=utf-8", all);
                break;
            case "go":
                Assert.True(put.ContentType == "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited", all);
                break;
            case "curl":
                Assert.True(post.ContentEncoding == "gzip" && put.ContentEncoding is null, all);
                break;
            case "prometheus-net":
                Assert.True(put.ContentType?.StartsWith("text/plain", StringComparison.Ordinal) == true, all);
                break;
        }
        if (PushClient.All[client].CanDelete)
        {
            Assert.Single(pushes, r => r.Method == "DELETE");
        }
    }

    /// <summary>
    /// With keys configured, the client sends the push key (checked on every request it made, in a form
    /// access control accepts) and Prometheus-style reads use the read key.
    /// </summary>
    [Theory]
    [MemberData(nameof(Targets.WithKeysWithClients), MemberType = typeof(Targets))]
    public async Task Push_pushAdd_delete_with_a_key(string target, string client)
    {
        await using var gateway = await fixture.Gateways.LeaseAsync(target, KeyedSettings);
        var recorder = gateway.Recorder!;
        gateway.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ReadKey);
        await RunScenarioAsync(PushClient.All[client], gateway, PushKey, seedAuthorization: PushKey);
        var pushes = recorder.Pushes.Where(r => r.ContentType != SeedContentType).ToList();
        Assert.NotEmpty(pushes);
        Assert.All(pushes, r => Assert.True(r.CarriesKey(PushKey), $"{client} did not send the push key: {r}"));
    }

    [Theory]
    [MemberData(nameof(Targets.WithKeysWithClients), MemberType = typeof(Targets))]
    public async Task Without_the_key_or_with_a_wrong_key_the_push_is_refused(string target, string client)
    {
        await using var gateway = await fixture.Gateways.LeaseAsync(target, KeyedSettings);
        var pushClient = PushClient.All[client];
        var noKey = await pushClient.RunAsync(PushOp.Push, gateway.BaseAddress, key: null);
        Assert.False(noKey.Succeeded, noKey.Details);
        var wrongKey = await pushClient.RunAsync(PushOp.PushAdd, gateway.BaseAddress, key: ReadKey);
        Assert.False(wrongKey.Succeeded, wrongKey.Details);
        gateway.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ReadKey);
        Assert.DoesNotContain("backup_", await gateway.Client.GetStringAsync("/metrics"));
    }

    private static async Task RunScenarioAsync(PushClient client, GatewayLease gateway, string? key, string? seedAuthorization = null)
    {
        // PUT replaces the whole group: a metric the client does not push disappears.
        await SeedOtherMetricAsync(gateway, 1, seedAuthorization);
        await RunAsync(client, PushOp.Push, gateway, key);
        var scrape = await gateway.Client.GetStringAsync("/metrics");
        AssertPushed(client, scrape);
        Assert.DoesNotContain("other_metric", scrape);

        // POST replaces only the families pushed: the other metric stays.
        await SeedOtherMetricAsync(gateway, 2, seedAuthorization);
        await RunAsync(client, PushOp.PushAdd, gateway, key);
        scrape = await gateway.Client.GetStringAsync("/metrics");
        AssertPushed(client, scrape);
        Assert.Contains($"other_metric{{{Group}}} 2\n", scrape);

        if (client.CanDelete)
        {
            await RunAsync(client, PushOp.Delete, gateway, key);
            scrape = await gateway.Client.GetStringAsync("/metrics");
            Assert.DoesNotContain("job=\"backup\"", scrape);
        }
    }

    private static async Task RunAsync(PushClient client, PushOp op, GatewayLease gateway, string? key)
    {
        var outcome = await client.RunAsync(op, gateway.BaseAddress, key);
        Assert.True(outcome.Succeeded, $"{client} {op} against {gateway} failed: {outcome.Details}");
    }

    internal static void AssertPushed(PushClient client, string scrape)
    {
        string[] expected =
        [
            "# TYPE backup_files_total counter\n",
            $"backup_files_total{{{Group}}} 42\n",
            "# TYPE backup_size_bytes gauge\n",
            $"backup_size_bytes{{{Group}}} 1234\n",
            "# TYPE backup_duration_seconds histogram\n",
            $"backup_duration_seconds_bucket{{{Group},le=\"1\"}} 0\n",
            $"backup_duration_seconds_bucket{{{Group},le=\"5\"}} 1\n",
            $"backup_duration_seconds_bucket{{{Group},le=\"30\"}} 1\n",
            $"backup_duration_seconds_bucket{{{Group},le=\"+Inf\"}} 1\n",
            $"backup_duration_seconds_sum{{{Group}}} 3.2\n",
            $"backup_duration_seconds_count{{{Group}}} 1\n",
            $"push_failure_time_seconds{{{Group}}} 0\n",
        ];
        foreach (var line in expected)
        {
            Assert.True(scrape.Contains(line, StringComparison.Ordinal), $"{client}: GET /metrics lacks '{line.TrimEnd()}'. It shows:\n{scrape}");
        }
        Assert.Matches($"push_time_seconds\\{{{Group.Replace("\"", "\\\"", StringComparison.Ordinal)}\\}} \\d\\.\\d+e\\+09\n", scrape);
    }

    private static async Task SeedOtherMetricAsync(GatewayLease gateway, int value, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/metrics/job/backup/instance/db-1/site/eu")
        {
            Content = new StringContent($"# TYPE other_metric gauge\nother_metric {value}\n", Encoding.UTF8, "text/x-seed"),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
