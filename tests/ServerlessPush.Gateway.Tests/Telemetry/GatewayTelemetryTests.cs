using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Storage;
using ServerlessPush.Core.Telemetry;
using ServerlessPush.Gateway.Tests.Infrastructure;
using ServerlessPush.Storage.Tables;
using ServerlessPush.Testing;
using Xunit.Abstractions;

namespace ServerlessPush.Gateway.Tests.Telemetry;

/// <summary>
/// A scripted set of pushes, scrapes, rejections, a storage fault and a sweep, then every instrument
/// of <see cref="GatewayTelemetry"/> read through the OpenTelemetry in-memory exporter, the spans, and
/// the log lines an operator reads. The meter is process-wide: the test runs alone.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class GatewayTelemetryTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string PushKey = "push-key-secret";
    private const string WrongKey = "wrong-secret-key";

    [Fact]
    public async Task Every_instrument_counts_what_was_done_and_each_rejection_is_one_log_line()
    {
        var snapshots = new List<MetricSnapshot>();
        var spans = new List<Activity>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(GatewayTelemetry.Name).AddInMemoryExporter(snapshots).Build();
        using var tracer = Sdk.CreateTracerProviderBuilder().AddSource(GatewayTelemetry.Name).SetSampler(new AlwaysOnSampler()).AddInMemoryExporter(spans).Build();
        var logs = new RecordingLoggerProvider();
        var fault = new StorageFault();
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite, new Dictionary<string, string?>
        {
            ["Gateway:Access:AllowAnonymous"] = "false",
            ["Gateway:Access:AllowAnonymousRead"] = "true",
            ["Gateway:Access:PushKeys:0"] = PushKey,
            ["Gateway:Limits:MaxSeriesPerPush"] = "5",
            ["Gateway:Scrape:SelfMetrics"] = "true",
            ["Gateway:Expiry:Schedule"] = "0 0 0 1 1 *", // no background sweep during the test
            ["Gateway:Tables:Retry:MaxRetries"] = "2",
            ["Gateway:Tables:Retry:Delay"] = "00:00:00.010",
            ["Logging:LogLevel:ServerlessPush"] = "Debug",
        }, builder =>
        {
            builder.Logging.AddProvider(logs);
            builder.Services.AddSingleton(sp => TableClientFactory.Create(
                sp.GetRequiredService<IOptions<TableStorageOptions>>().Value, sp.GetRequiredService<StorageRequestCounter>(), fault));
        });
        var client = gateway.Client;
        gateway.StorageRequests.Reset();

        async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? body = null, string? key = PushKey, string? ttl = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(body);
            }
            if (key is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
            if (ttl is not null)
            {
                request.Headers.Add(PushTtl.HeaderName, ttl);
            }
            var response = await client.SendAsync(request);
            output.WriteLine($"{method} {path} -> {(int)response.StatusCode}");
            return response;
        }
        async Task Expect(HttpStatusCode status, Task<HttpResponseMessage> sent) => Assert.Equal(status, (await sent).StatusCode);

        await Expect(HttpStatusCode.OK, Send(HttpMethod.Put, "/metrics/job/a", "# TYPE m gauge\nm 1\nn 2\n"));
        await Expect(HttpStatusCode.OK, Send(HttpMethod.Post, "/metrics/job/a/instance/i", "o{x=\"1\"} 1\no{x=\"2\"} 2\n"));
        await Expect(HttpStatusCode.OK, Send(HttpMethod.Put, "/metrics/job/ttl", "t 1\n", ttl: "1h"));
        var firstScrape = await (await Send(HttpMethod.Get, "/metrics", key: null)).Content.ReadAsByteArrayAsync();
        await Expect(HttpStatusCode.BadRequest, Send(HttpMethod.Put, "/metrics/job/bad", "not a metric{\n"));
        await Expect(HttpStatusCode.BadRequest, Send(HttpMethod.Put, "/metrics/job/b", "# TYPE m counter\nm 1\n"));
        await Expect(HttpStatusCode.RequestEntityTooLarge, Send(HttpMethod.Put, "/metrics/job/big",
            string.Concat(Enumerable.Range(1, 6).Select(i => $"s{{i=\"{i}\"}} 1\n"))));
        await Expect(HttpStatusCode.Unauthorized, Send(HttpMethod.Put, "/metrics/job/a", "m 1\n", key: null));
        await Expect(HttpStatusCode.Unauthorized, Send(HttpMethod.Put, "/metrics/job/a", "m 1\n", key: WrongKey));
        await Expect(HttpStatusCode.NotFound, Send(HttpMethod.Get, "/nope", key: null));
        await Expect(HttpStatusCode.Accepted, Send(HttpMethod.Delete, "/metrics/job/a/instance/i"));
        fault.Armed = true;
        // Readiness makes one storage call: exactly three tries (two retries) meet the fault.
        var storageDown = await Send(HttpMethod.Get, "/-/ready", key: null);
        fault.Armed = false;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, storageDown.StatusCode);
        var sweep = await new ExpirySweeper(gateway.Services.GetRequiredService<IGroupStore>(), gateway.Services.GetRequiredService<IOptions<GatewayOptions>>(), new ShiftedTimeProvider(TimeSpan.FromHours(2)),
            NullLogger<ExpirySweeper>.Instance).SweepAsync();
        Assert.Equal(1, sweep.Deleted);
        var lastScrape = await (await Send(HttpMethod.Get, "/metrics", key: null)).Content.ReadAsStringAsync();
        output.WriteLine(lastScrape);

        // Answers are out; the last request's own measurements are taken just after its answer.
        await Task.Delay(200);
        meters.ForceFlush();
        tracer.ForceFlush();
        var metrics = snapshots.GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.Last());
        foreach (var snapshot in metrics.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            foreach (var point in snapshot.MetricPoints)
            {
                output.WriteLine($"{snapshot.Name}{{{Tags(point)}}} {Value(snapshot, point)}");
            }
        }

        Assert.Equal(Sorted(new()
        {
            ["code=200,handler=push,method=put"] = 2,
            ["code=200,handler=push,method=post"] = 1,
            ["code=200,handler=metrics,method=get"] = 2,
            ["code=400,handler=push,method=put"] = 2,
            ["code=413,handler=push,method=put"] = 1,
            ["code=401,handler=push,method=put"] = 2,
            ["code=404,handler=unknown,method=get"] = 1,
            ["code=202,handler=delete,method=delete"] = 1,
            ["code=503,handler=ready,method=get"] = 1,
        }), Sums(metrics["pushgateway_http_requests_total"]));
        Assert.Equal(Sorted(new()
        {
            ["code=400,handler=push,reason=parse"] = 1,
            ["code=400,handler=push,reason=consistency"] = 1,
            ["code=413,handler=push,reason=limits"] = 1,
            ["code=401,handler=push,reason=access"] = 2,
            ["code=404,handler=unknown,reason=not_found"] = 1,
            ["code=503,handler=ready,reason=unavailable"] = 1,
        }), Sums(metrics["serverlesspush_rejections_total"]));

        // Histograms: how many, and what they add up to where that is known.
        Assert.Equal(Sorted(new() { ["method=put"] = 7, ["method=post"] = 1, ["method=delete"] = 1 }), Counts(metrics["pushgateway_http_push_duration_seconds"]));
        Assert.Equal(Sorted(new() { [""] = 2 }), Counts(metrics["serverlesspush_scrape_duration_seconds"]));
        Assert.All(new[] { "pushgateway_http_push_duration_seconds", "serverlesspush_scrape_duration_seconds" },
            name => Assert.All(metrics[name].MetricPoints, p => Assert.True(p.GetHistogramSum() > 0, name)));
        Assert.Equal(Sorted(new() { ["method=put"] = 5, ["method=post"] = 1 }), Counts(metrics["pushgateway_http_push_size_bytes"]));
        var putBodies = new[] { "# TYPE m gauge\nm 1\nn 2\n", "t 1\n", "not a metric{\n", "# TYPE m counter\nm 1\n",
            string.Concat(Enumerable.Range(1, 6).Select(i => $"s{{i=\"{i}\"}} 1\n")) };
        Assert.Equal(putBodies.Sum(b => b.Length), HistogramSum(metrics["pushgateway_http_push_size_bytes"], "method=put"));
        Assert.Equal(Sorted(new() { ["method=put"] = 2, ["method=post"] = 1 }), Counts(metrics["serverlesspush_push_families"]));
        Assert.Equal(3, HistogramSum(metrics["serverlesspush_push_families"], "method=put"));
        Assert.Equal(1, HistogramSum(metrics["serverlesspush_push_families"], "method=post"));
        Assert.Equal(3, HistogramSum(metrics["serverlesspush_push_series"], "method=put"));
        Assert.Equal(2, HistogramSum(metrics["serverlesspush_push_series"], "method=post"));
        Assert.Equal(Sorted(new() { [""] = 2 }), Counts(metrics["serverlesspush_scrape_size_bytes"]));
        Assert.Equal(firstScrape.Length + System.Text.Encoding.UTF8.GetByteCount(lastScrape), HistogramSum(metrics["serverlesspush_scrape_size_bytes"], ""));

        // Storage: every try the SDK sent is counted (the pipeline's own counter agrees); the readiness
        // check's three tries answered 503, two of them retries.
        var storageRequests = metrics["serverlesspush_storage_requests_total"];
        Assert.Equal(gateway.StorageRequests.Count, storageRequests.MetricPoints.Sum(p => p.GetSumLong()));
        var busyTries = storageRequests.MetricPoints.Where(p => Tags(p).Contains("code=503", StringComparison.Ordinal)).Sum(p => p.GetSumLong());
        Assert.Equal(3, busyTries);
        Assert.All(storageRequests.MetricPoints, p => Assert.Matches("^code=(200|201|202|204|404|409|412|503),operation=(batch|create_table|delete|get|insert|merge|query|upsert)$", Tags(p)));
        Assert.Equal(2, metrics["serverlesspush_storage_retries_total"].MetricPoints.Sum(p => p.GetSumLong()));
        Assert.Equal(3, metrics["serverlesspush_storage_throttles_total"].MetricPoints.Sum(p => p.GetSumLong()));
        Assert.Equal(gateway.StorageRequests.Count, metrics["serverlesspush_storage_request_duration_seconds"].MetricPoints.Sum(p => p.GetHistogramCount()));

        // The sweep, and the scrape view as the last scrape held it (also what the self-metrics say).
        Assert.Equal(1, Total(metrics["serverlesspush_sweep_runs_total"]));
        Assert.Equal(sweep.Candidates, Total(metrics["serverlesspush_sweep_due_total"]));
        Assert.Equal(1, Total(metrics["serverlesspush_sweep_deleted_total"]));
        var sampleLines = lastScrape.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Equal(sampleLines.Count, metrics["serverlesspush_scrape_view_series"].MetricPoints.Single().GetGaugeLastValueLong());
        Assert.Contains("serverlesspush_groups 1", sampleLines); // job a; ttl swept
        Assert.Equal(1, metrics["serverlesspush_scrape_view_groups"].MetricPoints.Single().GetGaugeLastValueLong());
        Assert.Contains(sampleLines, l => l.StartsWith("serverlesspush_build_info{dotnetversion=", StringComparison.Ordinal) && l.EndsWith("} 1", StringComparison.Ordinal));
        // Every instrument was checked above, and there are no others.
        Assert.Equal(
        [
            "pushgateway_http_push_duration_seconds", "pushgateway_http_push_size_bytes", "pushgateway_http_requests_total",
            "serverlesspush_push_families", "serverlesspush_push_series", "serverlesspush_rejections_total",
            "serverlesspush_scrape_duration_seconds", "serverlesspush_scrape_size_bytes", "serverlesspush_scrape_view_groups",
            "serverlesspush_scrape_view_series", "serverlesspush_storage_request_duration_seconds", "serverlesspush_storage_requests_total",
            "serverlesspush_storage_retries_total", "serverlesspush_storage_throttles_total", "serverlesspush_sweep_deleted_total",
            "serverlesspush_sweep_due_total", "serverlesspush_sweep_runs_total",
        ], metrics.Keys.Order(StringComparer.Ordinal));

        // Spans: the first push and its storage calls as children.
        var push = spans.First(s => s.DisplayName == "PUT push");
        Assert.Equal(200, push.GetTagItem("http.response.status_code"));
        var children = spans.Where(s => s.ParentSpanId == push.SpanId).ToList();
        Assert.NotEmpty(children);
        Assert.All(children, c => Assert.StartsWith("storage ", c.DisplayName, StringComparison.Ordinal));
        Assert.Contains(spans, s => s.DisplayName == "GET ready" && s.Status == ActivityStatusCode.Error);

        // Logs: one line per rejected request (the 404 at debug), one for the storage fault; no key, no stack trace.
        var lines = logs.Messages.Where(m => m.Category == typeof(ServerlessPush.Http.RequestDeadlineGuard).FullName && m.Level >= LogLevel.Information).ToList();
        foreach (var line in lines)
        {
            output.WriteLine($"{line.Level}: {line.Text}");
        }
        string[] expected =
        [
            "Rejected PUT push group {job=\"bad\"}: 400 parse: ",
            "Rejected PUT push group {job=\"b\"}: 400 consistency: pushed metrics are invalid or inconsistent with existing metrics: ",
            "Rejected PUT push group {job=\"big\"}: 413 limits: ",
            "Rejected PUT push group {job=\"a\"}: 401 access: Unauthorized: a valid key is required",
            "Rejected PUT push group {job=\"a\"}: 401 access: Unauthorized: a valid key is required",
            "GET ready group -: 503 after storage fault (503) in ",
        ];
        Assert.Equal(expected.Length, lines.Count);
        Assert.All(expected.Zip(lines), pair => Assert.StartsWith(pair.First, pair.Second.Text, StringComparison.Ordinal));
        Assert.Equal([.. Enumerable.Repeat(LogLevel.Information, 5), LogLevel.Warning], lines.Select(l => l.Level).ToArray());
        Assert.EndsWith("ms: Table storage is unavailable (503).", lines[^1].Text, StringComparison.Ordinal);
        Assert.All(logs.Messages.Where(m => m.Level >= LogLevel.Information), m =>
        {
            Assert.Null(m.Exception);
            Assert.DoesNotContain(PushKey, m.Text, StringComparison.Ordinal);
            Assert.DoesNotContain(WrongKey, m.Text, StringComparison.Ordinal);
        });
        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Debug && m.Text.StartsWith("Rejected GET unknown group -: 404 not_found", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Debug && m.Exception is not null);
    }

    private static string Tags(MetricPoint point)
    {
        var tags = new List<string>();
        foreach (var tag in point.Tags)
        {
            tags.Add($"{tag.Key}={tag.Value}");
        }
        return string.Join(',', tags.Order(StringComparer.Ordinal));
    }

    private static string Value(MetricSnapshot snapshot, MetricPoint point) => snapshot.MetricType switch
    {
        MetricType.Histogram => $"count={point.GetHistogramCount()} sum={point.GetHistogramSum().ToString(CultureInfo.InvariantCulture)}",
        MetricType.LongGauge => point.GetGaugeLastValueLong().ToString(CultureInfo.InvariantCulture),
        _ => point.GetSumLong().ToString(CultureInfo.InvariantCulture),
    };

    private static SortedDictionary<string, long> Sorted(Dictionary<string, long> values) => new(values, StringComparer.Ordinal);

    private static SortedDictionary<string, long> Sums(MetricSnapshot snapshot) =>
        Sorted(snapshot.MetricPoints.ToDictionary(Tags, p => p.GetSumLong()));

    private static SortedDictionary<string, long> Counts(MetricSnapshot snapshot) =>
        Sorted(snapshot.MetricPoints.ToDictionary(Tags, p => p.GetHistogramCount()));

    private static double HistogramSum(MetricSnapshot snapshot, string tags) => snapshot.MetricPoints.Single(p => Tags(p) == tags).GetHistogramSum();

    private static long Total(MetricSnapshot snapshot) => snapshot.MetricPoints.Sum(p => p.GetSumLong());

    /// <summary>Answers every storage request 503 (Server Busy) while armed, without sending it: a throttling storage account.</summary>
    private sealed class StorageFault : HttpPipelinePolicy
    {
        public volatile bool Armed;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The gateway's storage calls are asynchronous.");

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (!Armed)
            {
                return ProcessNextAsync(message, pipeline);
            }
            message.Response = new ServerBusyResponse();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ServerBusyResponse : Response
    {
        public override int Status => 503;
        public override string ReasonPhrase => "Server Busy";
        // The transport classifies responses; this one never reaches it, so it says so itself (the retry policy reads it).
        public override bool IsError => true;
        public override Stream? ContentStream { get; set; } = new MemoryStream();
        public override string ClientRequestId { get; set; } = string.Empty;

        public override void Dispose()
        {
        }

        protected override bool ContainsHeader(string name) => false;
        protected override IEnumerable<HttpHeader> EnumerateHeaders() => [];
        protected override bool TryGetHeader(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
        {
            value = null;
            return false;
        }

        protected override bool TryGetHeaderValues(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = null;
            return false;
        }
    }
}
