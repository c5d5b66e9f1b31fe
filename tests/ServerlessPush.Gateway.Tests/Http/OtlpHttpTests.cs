using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Metrics.V1;
using OpenTelemetry.Proto.Resource.V1;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Http;

/// <summary>
/// <c>POST /v1/metrics</c> over real HTTP against Azurite: protobuf, JSON as curl sends it, gzip; the
/// answers OTLP/HTTP specifies (ExportMetricsServiceResponse, partial success, 400/413/415/503 with a
/// google.rpc.Status); bad input stores nothing; the push's rights, TTL header and checks apply.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class OtlpHttpTests(AzuriteFixture fixture)
{
    private const string Protobuf = "application/x-protobuf";

    private static KeyValue Attr(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static ExportMetricsServiceRequest Export(string service, params Metric[] metrics) => new()
    {
        ResourceMetrics =
        {
            new ResourceMetrics
            {
                Resource = new Resource { Attributes = { Attr("service.name", service), Attr("service.namespace", "nightly"), Attr("service.instance.id", "db-1"), Attr("host.name", "db") } },
                ScopeMetrics = { new ScopeMetrics { Metrics = { metrics } } },
            },
        },
    };

    private static Metric Counter(string name, double value, AggregationTemporality temporality = AggregationTemporality.Cumulative) => new()
    {
        Name = name,
        Sum = new Sum { IsMonotonic = true, AggregationTemporality = temporality, DataPoints = { new NumberDataPoint { AsDouble = value } } },
    };

    private static Metric Gauge(string name, string unit, double value) => new()
    {
        Name = name,
        Unit = unit,
        Gauge = new Gauge { DataPoints = { new NumberDataPoint { AsDouble = value } } },
    };

    private static async Task<HttpResponseMessage> PostAsync(GatewayServer gateway, byte[] body, string contentType = Protobuf, string? encoding = null,
        IDictionary<string, string>? headers = null, string? key = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/metrics") { Content = content };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return await gateway.Client.SendAsync(request);
    }

    private static async Task<Google.Rpc.Status> StatusOf(HttpResponseMessage response)
    {
        Assert.Equal(Protobuf, response.Content.Headers.ContentType?.MediaType);
        return Google.Rpc.Status.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
    }

    private static async Task<string> ScrapeAsync(GatewayServer gateway) => await gateway.Client.GetStringAsync("/metrics");

    [Fact]
    public async Task A_protobuf_export_is_stored_as_the_resources_group()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        var response = await PostAsync(gateway, Export("backup", Counter("jobs.processed", 42), Gauge("backup.size", "By", 1234)).ToByteArray());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Protobuf, response.Content.Headers.ContentType?.MediaType);
        var answer = ExportMetricsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Null(answer.PartialSuccess);
        var scrape = await ScrapeAsync(gateway);
        Assert.Contains("jobs_processed_total{instance=\"db-1\",job=\"nightly/backup\"} 42\n", scrape, StringComparison.Ordinal);
        Assert.Contains("backup_size_bytes{instance=\"db-1\",job=\"nightly/backup\"} 1234\n", scrape, StringComparison.Ordinal);
        Assert.Contains("target_info{host_name=\"db\",instance=\"db-1\",job=\"nightly/backup\"} 1\n", scrape, StringComparison.Ordinal);
        Assert.Contains("push_time_seconds{instance=\"db-1\",job=\"nightly/backup\"}", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_json_export_as_curl_sends_it_is_stored_and_answered_in_json()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        const string json = """
            {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"curl-job"}}]},
              "scopeMetrics":[{"metrics":[{"name":"rows.copied","unit":"{row}","sum":{"aggregationTemporality":2,"isMonotonic":true,
                "dataPoints":[{"asInt":"7","timeUnixNano":"1700000000000000000","attributes":[{"key":"table","value":{"stringValue":"users"}}],
                  "exemplars":[{"asInt":"1","traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}]}]}}]}]}]}
            """;
        var response = await PostAsync(gateway, Encoding.UTF8.GetBytes(json), "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{ }", await response.Content.ReadAsStringAsync());
        Assert.Contains("rows_copied_total{instance=\"\",job=\"curl-job\",table=\"users\"} 7\n", await ScrapeAsync(gateway), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gzip_export_is_decoded()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            Export("zipped", Counter("runs", 3)).WriteTo(gzip);
        }
        var response = await PostAsync(gateway, compressed.ToArray(), encoding: "gzip");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("runs_total{instance=\"db-1\",job=\"nightly/zipped\"} 3\n", await ScrapeAsync(gateway), StringComparison.Ordinal);
    }

    public static TheoryData<string, string?, int, string> BadInputs() => new()
    {
        { "truncated", null, 400, "not a protobuf ExportMetricsServiceRequest" },
        { "text/plain", null, 415, "unsupported Content-Type" },
        { "gzip broken", "gzip", 400, "request body does not decode" },
        { "delta", null, 400, "delta temporality" },
        { "no service.name", null, 400, "service.name" },
        { "bad json", null, 400, "not an OTLP JSON" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_is_a_4xx_with_the_reason_and_nothing_is_stored(string what, string? encoding, int status, string reason)
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        var good = Export("bad", Counter("runs", 3)).ToByteArray();
        var contentType = Protobuf;
        byte[] body;
        switch (what)
        {
            case "truncated":
                body = good[..^3];
                break;
            case "text/plain":
                body = good;
                contentType = "text/plain";
                break;
            case "gzip broken":
                using (var compressed = new MemoryStream())
                {
                    using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
                    {
                        gzip.Write(good);
                    }
                    body = compressed.ToArray()[..^4];
                }
                break;
            case "delta":
                body = Export("bad", Counter("runs", 3, AggregationTemporality.Delta)).ToByteArray();
                break;
            case "no service.name":
                var noName = Export("bad", Counter("runs", 3));
                noName.ResourceMetrics[0].Resource.Attributes.RemoveAt(0);
                body = noName.ToByteArray();
                break;
            default:
                body = "{\"resourceMetrics\":[{"u8.ToArray();
                contentType = "application/json";
                break;
        }
        var response = await PostAsync(gateway, body, contentType, encoding);

        Assert.Equal(status, (int)response.StatusCode);
        var error = contentType == "application/json"
            ? Google.Rpc.Status.Parser.ParseJson(await response.Content.ReadAsStringAsync())
            : await StatusOf(response);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("runs_total", await ScrapeAsync(gateway), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_body_or_a_gzip_bomb_is_a_413_and_nothing_is_stored()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?>
        {
            ["Gateway:MaxBodyBytes"] = "100000",
            ["Gateway:MaxDecompressedBytes"] = "1000000",
        });
        var big = Export("big", Enumerable.Range(0, 5000).Select(i => Gauge("g" + i, "", i)).ToArray()).ToByteArray();
        Assert.True(big.Length > 100000);
        var oversized = await PostAsync(gateway, big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Contains("larger than 100000 bytes", (await StatusOf(oversized)).Message, StringComparison.Ordinal);

        // 64 MiB of zeros after a valid request: about 64 KiB gzipped, refused once 1 MB is inflated.
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            Export("big", Counter("runs", 1)).WriteTo(gzip);
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 64; i++)
            {
                gzip.Write(zeros);
            }
        }
        Assert.True(compressed.Length < 100000);
        var bomb = await PostAsync(gateway, compressed.ToArray(), encoding: "gzip");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bomb.StatusCode);
        Assert.Contains("decompressed request body larger than", (await StatusOf(bomb)).Message, StringComparison.Ordinal);
        Assert.DoesNotContain("job=\"nightly/big\"", await ScrapeAsync(gateway), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_export_replaces_its_group_unless_merge_is_asked()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(gateway, Export("modes", Counter("first", 1)).ToByteArray())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(gateway, Export("modes", Counter("second", 2)).ToByteArray())).StatusCode);
        var replaced = await ScrapeAsync(gateway);
        Assert.DoesNotContain("first_total", replaced, StringComparison.Ordinal);
        Assert.Contains("second_total{instance=\"db-1\",job=\"nightly/modes\"} 2\n", replaced, StringComparison.Ordinal);

        var merge = new Dictionary<string, string> { ["X-ServerlessPush-Mode"] = "merge" };
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(gateway, Export("modes", Counter("third", 3)).ToByteArray(), headers: merge)).StatusCode);
        var merged = await ScrapeAsync(gateway);
        Assert.Contains("second_total{instance=\"db-1\",job=\"nightly/modes\"} 2\n", merged, StringComparison.Ordinal);
        Assert.Contains("third_total{instance=\"db-1\",job=\"nightly/modes\"} 3\n", merged, StringComparison.Ordinal);

        var bad = await PostAsync(gateway, Export("modes", Counter("fourth", 4)).ToByteArray(), headers: new Dictionary<string, string> { ["X-ServerlessPush-Mode"] = "append" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("replace or merge", (await StatusOf(bad)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Merge_by_setting_and_the_ttl_header_apply_as_to_a_push()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?> { ["Gateway:Otlp:Merge"] = "true" });
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(gateway, Export("ttl", Counter("first", 1)).ToByteArray())).StatusCode);
        var ttl = new Dictionary<string, string> { ["X-ServerlessPush-TTL"] = "1h" };
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(gateway, Export("ttl", Counter("second", 2)).ToByteArray(), headers: ttl)).StatusCode);
        var scrape = await ScrapeAsync(gateway);
        Assert.Contains("first_total{instance=\"db-1\",job=\"nightly/ttl\"} 1\n", scrape, StringComparison.Ordinal);
        var status = await gateway.Client.GetStringAsync("/api/v1/metrics");
        Assert.Contains("nightly/ttl", status, StringComparison.Ordinal);

        var badTtl = await PostAsync(gateway, Export("ttl", Counter("third", 3)).ToByteArray(), headers: new Dictionary<string, string> { ["X-ServerlessPush-TTL"] = "forever" });
        Assert.Equal(HttpStatusCode.BadRequest, badTtl.StatusCode);
        Assert.DoesNotContain("third_total", await ScrapeAsync(gateway), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deltas_are_summed_into_the_stored_value_when_the_setting_is_on()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?> { ["Gateway:Otlp:SumDeltas"] = "true" });
        foreach (var delta in new[] { 3.0, 4.0, 0.5 })
        {
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(gateway, Export("deltas", Counter("runs", delta, AggregationTemporality.Delta)).ToByteArray())).StatusCode);
        }
        Assert.Contains("runs_total{instance=\"db-1\",job=\"nightly/deltas\"} 7.5\n", await ScrapeAsync(gateway), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_deltas_from_two_gateways_all_count()
    {
        var table = GatewayServer.NewTableName();
        var settings = new Dictionary<string, string?> { ["Gateway:Otlp:SumDeltas"] = "true" };
        await using var a = await GatewayServer.StartAsync(fixture.Azurite, settings, tableName: table);
        await using var b = await GatewayServer.StartAsync(fixture.Azurite, settings, tableName: table);
        var body = Export("race", Counter("runs", 1, AggregationTemporality.Delta)).ToByteArray();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => PostAsync(i % 2 == 0 ? a : b, body)));
        Assert.All(answers, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Contains("runs_total{instance=\"db-1\",job=\"nightly/race\"} 20\n", await ScrapeAsync(a), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_type_clash_with_another_group_is_refused_by_the_push_checks()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.PutAsync("/metrics/job/other", new StringContent("# TYPE backup_size_bytes counter\nbackup_size_bytes 1\n"))).StatusCode);
        var response = await PostAsync(gateway, Export("clash", Gauge("backup.size", "By", 5)).ToByteArray());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("pushed metrics are invalid or inconsistent with existing metrics", (await StatusOf(response)).Message, StringComparison.Ordinal);
        Assert.DoesNotContain("nightly/clash", await ScrapeAsync(gateway), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Points_left_out_are_reported_as_partial_success()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        var unspecified = Counter("unset", 1, AggregationTemporality.Unspecified);
        var response = await PostAsync(gateway, Export("partial", Counter("runs", 3), unspecified).ToByteArray());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = ExportMetricsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, answer.PartialSuccess.RejectedDataPoints);
        Assert.Contains("\"unset\" has no aggregation temporality", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("runs_total{instance=\"db-1\",job=\"nightly/partial\"} 3\n", await ScrapeAsync(gateway), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exports_need_the_push_right()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?>
        {
            ["Gateway:Access:AllowAnonymous"] = "false",
            ["Gateway:Access:AllowAnonymousAdmin"] = null,
            ["Gateway:Access:PushKeys:0"] = "push-key",
            ["Gateway:Access:ReadKeys:0"] = "read-key",
        });
        var body = Export("keyed", Counter("runs", 1)).ToByteArray();
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(gateway, body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(gateway, body, key: "read-key")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(gateway, body, key: "push-key")).StatusCode);
    }

    [Fact]
    public async Task A_key_scoped_to_jobs_exports_only_into_them()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?>
        {
            ["Gateway:Access:AllowAnonymous"] = "false",
            ["Gateway:Access:AllowAnonymousAdmin"] = null,
            ["Gateway:Access:AllowAnonymousRead"] = "true",
            ["Gateway:Access:ScopedKeys:0:Key"] = "team-a-push",
            ["Gateway:Access:ScopedKeys:0:Rights"] = "push",
            ["Gateway:Access:ScopedKeys:0:Jobs"] = "nightly/team-a-*",
        });
        var own = await PostAsync(gateway, Export("team-a-etl", Counter("runs", 1)).ToByteArray(), key: "team-a-push");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);

        // One resource outside the key's jobs refuses the whole export: nothing of it is stored.
        var mixed = Export("team-a-load", Counter("loads", 2));
        mixed.ResourceMetrics.Add(Export("team-b-etl", Counter("runs", 3)).ResourceMetrics[0]);
        var refused = await PostAsync(gateway, mixed.ToByteArray(), key: "team-a-push");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("job \"nightly/team-b-etl\" is not one of them", (await StatusOf(refused)).Message, StringComparison.Ordinal);

        var scrape = await ScrapeAsync(gateway);
        Assert.Contains("runs_total{instance=\"db-1\",job=\"nightly/team-a-etl\"} 1\n", scrape, StringComparison.Ordinal);
        Assert.DoesNotContain("team-b-etl", scrape, StringComparison.Ordinal);
        Assert.DoesNotContain("loads", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_methods_get_405()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        var response = await gateway.Client.GetAsync("/v1/metrics");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("OPTIONS, POST", response.Content.Headers.Allow.Count > 0 ? string.Join(", ", response.Content.Headers.Allow) : response.Headers.GetValues("Allow").Single());
    }

    [Fact]
    public async Task A_storage_outage_is_a_503_with_retry_after()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Gateway:Tables:Retry:MaxRetries"] = "1",
            ["Gateway:Tables:Retry:Delay"] = "00:00:00.050",
        });
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(gateway, Export("outage", Counter("runs", 1)).ToByteArray())).StatusCode);
        await azurite.StopAsync();
        var response = await PostAsync(gateway, Export("outage", Counter("runs", 2)).ToByteArray());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal((int)Google.Rpc.Code.Unavailable, (await StatusOf(response)).Code);
    }
}
