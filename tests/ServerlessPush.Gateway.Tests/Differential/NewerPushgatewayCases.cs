using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Testing;
using static ServerlessPush.Gateway.Tests.Differential.DiffRequest;

namespace ServerlessPush.Gateway.Tests.Differential;

/// <summary>
/// Pushgateway 1.8–1.11 behaviours 1.5.1 cannot show. Each case runs on the reference (1.5.1, whose
/// answer is asserted: the version difference) and on a gateway with the setting that turns the
/// behaviour on, whose answer is asserted against upstream's documented behaviour: its own tests
/// (pushgateway handler/handler_test.go TestPushUTF8 and TestDeleteUTF8, api/v1/api_test.go) and
/// prometheus/common's expfmt negotiation and escaping (v0.69, the version 1.11.3 builds with).
/// </summary>
[Collection(DifferentialCollection.Name)]
public sealed class NewerPushgatewayCases(LocalHostDifferentialFixture fixture) : IAsyncLifetime
{
    /// <summary>The body of TestPushUTF8: a legacy name and a quoted UTF-8 name with a quoted label name.</summary>
    private const string Utf8Body = "some_metric 3.14\n{\"another.metric\",instance=\"testinstance\",job=\"testjob\",\"dotted.label.name\"=\"mylabelvalue\"} 42\n";
    private const string Utf8Path = "/metrics/job/testjob/instance/testinstance/U__dotted_2e_label_2e_name/mylabelvalue";

    private GatewayServer? _utf8;

    public async Task InitializeAsync()
    {
        await fixture.WipeAsync();
        _utf8 = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?> { ["Gateway:EnableUtf8Names"] = "true" });
    }

    public async Task DisposeAsync()
    {
        if (_utf8 is not null)
        {
            await _utf8.DisposeAsync();
        }
    }

    private HttpClient Utf8 => _utf8!.Client;

    private static async Task<(HttpStatusCode Status, string Body, string? ContentType)> SendAsync(HttpClient client, DiffRequest request)
    {
        using var message = request.ToMessage(client.BaseAddress);
        using var response = await client.SendAsync(message);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.ToString());
    }

    private static async Task<(string Body, string? ContentType)> ScrapeAsync(HttpClient client, string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task Utf8_text_push_with_U__path_label_as_1_11_TestPushUTF8()
    {
        var push = Post(Utf8Path, Utf8Body);
        var theirs = await SendAsync(fixture.Reference, push);
        Assert.Equal(HttpStatusCode.BadRequest, theirs.Status); // 1.5.1 knows no quoted names
        // Off (the default, also 1.11's default): refused as before, nothing stored.
        var off = await SendAsync(fixture.Gateway, push);
        Assert.Equal(HttpStatusCode.BadRequest, off.Status);

        var ours = await SendAsync(Utf8, push);
        Assert.Equal(HttpStatusCode.OK, ours.Status);

        // allow-utf-8 (Prometheus 3): names as pushed, the U__ path name decoded, quoted in the text.
        var (utf8Text, utf8Type) = await ScrapeAsync(Utf8, "text/plain;version=0.0.4;escaping=allow-utf-8");
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8; escaping=allow-utf-8", utf8Type);
        Assert.Contains("# TYPE \"another.metric\" untyped\n{\"another.metric\",\"dotted.label.name\"=\"mylabelvalue\",instance=\"testinstance\",job=\"testjob\"} 42\n", utf8Text, StringComparison.Ordinal);
        Assert.Contains("some_metric{\"dotted.label.name\"=\"mylabelvalue\",instance=\"testinstance\",job=\"testjob\"} 3.14\n", utf8Text, StringComparison.Ordinal);

        // No escaping parameter: expfmt's default, underscores (Prometheus 2.x sees legacy names).
        var (plain, plainType) = await ScrapeAsync(Utf8, null);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8; escaping=underscores", plainType);
        Assert.Contains("another_metric{dotted_label_name=\"mylabelvalue\",instance=\"testinstance\",job=\"testjob\"} 42\n", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("\"another.metric\"", plain, StringComparison.Ordinal);

        // values: the U__ form, which a push path could carry back.
        var (values, _) = await ScrapeAsync(Utf8, "text/plain;escaping=values");
        Assert.Contains("U__another_2e_metric{U__dotted_2e_label_2e_name=\"mylabelvalue\"", values, StringComparison.Ordinal);

        // The API keeps the names as pushed.
        var api = JsonNode.Parse(await Utf8.GetStringAsync("/api/v1/metrics"))!["data"]!.AsArray();
        var group = Assert.Single(api)!;
        Assert.Equal("mylabelvalue", group["labels"]!["dotted.label.name"]!.GetValue<string>());
        Assert.NotNull(group["another.metric"]);
    }

    [Fact]
    public async Task Utf8_protobuf_push_and_U__delete_as_1_11_TestPushUTF8_and_TestDeleteUTF8()
    {
        var family = Pb.Family("some.metric", MetricType.Untyped, null, Pb.Untyped(1.234));
        var push = PutProtobuf(Utf8Path, family);
        var theirs = await SendAsync(fixture.Reference, push);
        Assert.Equal(HttpStatusCode.OK, theirs.Status); // 1.5.1 takes the body, then its scrape breaks
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(fixture.Gateway, push)).Status); // off: refused as today

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Utf8, push)).Status);
        var proto = await Utf8.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/metrics")
        {
            Headers = { Accept = { MediaTypeWithQualityHeaderValue.Parse(ProtobufDelimited.ContentType + ";escaping=allow-utf-8") } },
        });
        Assert.EndsWith("escaping=allow-utf-8", proto.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var families = ProtobufDelimited.Read(await proto.Content.ReadAsByteArrayAsync());
        var pushed = Assert.Single(families, f => f.Name == "some.metric");
        Assert.Contains(pushed.Metric[0].Label, l => l.Name == "dotted.label.name" && l.Value == "mylabelvalue");

        // DELETE with the escaped path name removes the group whose label was decoded.
        var delete = await SendAsync(Utf8, Delete(Utf8Path));
        Assert.Equal(HttpStatusCode.Accepted, delete.Status);
        Assert.DoesNotContain("some", (await ScrapeAsync(Utf8, "text/plain;escaping=allow-utf-8")).Body, StringComparison.Ordinal);
    }

    /// <summary>Names with every character Table keys forbid, in metric and label names: stored, indexed (type clash found) and scraped.</summary>
    [Fact]
    public async Task Utf8_names_with_table_key_characters_are_stored_and_indexed()
    {
        const string name = "a/b#c?d\\\\e\u0001.f";
        var body = $"# TYPE \"{name}\" counter\n{{\"{name}\",\"l/#?\\\\\u0007\"=\"v\"}} 1\n";
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Utf8, Put("/metrics/job/k1/U__x_2f__23_y/1", body))).Status);
        var clash = await SendAsync(Utf8, Put("/metrics/job/k2", $"# TYPE \"{name}\" gauge\n{{\"{name}\"}} 2\n"));
        Assert.Equal(HttpStatusCode.BadRequest, clash.Status); // the metric-name index found the other group's counter
        Assert.Contains("is not a", clash.Body, StringComparison.Ordinal);
        var (text, _) = await ScrapeAsync(Utf8, "text/plain;escaping=allow-utf-8");
        Assert.Contains($"{{\"{name}\",instance=\"\",job=\"k1\",\"l/#?\\\\\u0007\"=\"v\",\"x/#y\"=\"1\"}} 1\n", text, StringComparison.Ordinal);
    }

    /// <summary>1.8+: <c>/api/v1/metrics</c> lists native buckets (api_test.go's int native histogram); 1.5.1 writes <c>{}</c>.</summary>
    [Fact]
    public async Task Native_histogram_buckets_in_the_api_as_1_8()
    {
        var h = new Histogram
        {
            SampleCount = 20,
            SampleSum = 99.23,
            Schema = 1,
            NegativeDelta = { 0, 2, -2, 0 },
            PositiveDelta = { 0, 2, -2, 0 },
            PositiveSpan = { new BucketSpan { Offset = 0, Length = 2 }, new BucketSpan { Offset = 0, Length = 2 } },
            NegativeSpan = { new BucketSpan { Offset = 0, Length = 2 }, new BucketSpan { Offset = 0, Length = 2 } },
        };
        var family = Pb.Family("mfh", MetricType.Histogram, null, new Metric { Histogram = h });
        var push = PutProtobuf("/metrics/job/j", family);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(fixture.Reference, push)).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(fixture.Gateway, push)).Status);
        await fixture.SettleReferenceAsync();

        static JsonNode Metric(string json) => JsonNode.Parse(json)!["data"]![0]!["mfh"]!["metrics"]![0]!;
        var theirs = Metric(await fixture.Reference.GetStringAsync("/api/v1/metrics"));
        Assert.Equal("{}", theirs["buckets"]!.ToJsonString());
        var ours = Metric(await fixture.Gateway.GetStringAsync("/api/v1/metrics"));
        Assert.Equal("20", ours["count"]!.GetValue<string>());
        var buckets = ours["buckets"]!.AsArray();
        Assert.Equal(2, buckets.Count);
        Assert.Equal(1, buckets[0]![0]!.GetValue<int>());
        Assert.Equal("-1", buckets[0]![2]!.GetValue<string>());
        Assert.Equal("2", buckets[0]![3]!.GetValue<string>());
        Assert.Equal(0, buckets[1]![0]!.GetValue<int>());
        Assert.Equal("1", buckets[1]![1]!.GetValue<string>());
        // Upstream prints 1.414213562373095 from its table; ours is 2^0.5 to within one ulp.
        Assert.Equal(1.414213562373095, double.Parse(buckets[1]![2]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), 1e-15);
    }

    /// <summary>Text scrapers of a native histogram: +Inf, _sum, _count (as every Pushgateway); classic buckets with the option.</summary>
    [Fact]
    public async Task Native_histogram_to_text_scrapers_and_the_classic_bucket_option()
    {
        var h = new Histogram { SampleCount = 3, SampleSum = 5, Schema = 0, ZeroThreshold = 0.001, ZeroCount = 1, PositiveSpan = { new BucketSpan { Offset = 2, Length = 1 } }, PositiveDelta = { 2 } };
        var push = PutProtobuf("/metrics/job/j", Pb.Family("lat", MetricType.Histogram, null, new Metric { Histogram = h }));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(fixture.Reference, push)).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(fixture.Gateway, push)).Status);
        await fixture.SettleReferenceAsync();
        var theirs = await fixture.Reference.GetStringAsync("/metrics");
        Assert.Contains("lat_bucket{instance=\"\",job=\"j\",le=\"+Inf\"} 3\n", theirs, StringComparison.Ordinal);
        Assert.DoesNotContain("le=\"4\"", theirs, StringComparison.Ordinal);
        Assert.Equal(
            Lines(theirs, "lat"),
            Lines(await fixture.Gateway.GetStringAsync("/metrics"), "lat"));

        await using var classic = await GatewayServer.StartAsync(fixture.Azurite, new Dictionary<string, string?> { ["Gateway:Scrape:NativeHistogramsAsClassic"] = "true" });
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(classic.Client, push)).Status);
        var text = await classic.Client.GetStringAsync("/metrics");
        Assert.Contains(
            "lat_bucket{instance=\"\",job=\"j\",le=\"0.001\"} 1\nlat_bucket{instance=\"\",job=\"j\",le=\"4\"} 3\nlat_bucket{instance=\"\",job=\"j\",le=\"+Inf\"} 3\nlat_sum{instance=\"\",job=\"j\"} 5\nlat_count{instance=\"\",job=\"j\"} 3\n",
            text, StringComparison.Ordinal);
        // Protobuf scrapers still get the native histogram as pushed.
        var proto = await classic.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Accept = { MediaTypeWithQualityHeaderValue.Parse(ProtobufDelimited.ContentType) } } });
        var lat = Assert.Single(ProtobufDelimited.Read(await proto.Content.ReadAsByteArrayAsync()), f => f.Name == "lat");
        Assert.Empty(lat.Metric[0].Histogram.Bucket);
        Assert.Single(lat.Metric[0].Histogram.PositiveSpan);
    }

    private static string Lines(string scrape, string prefix) =>
        string.Join('\n', scrape.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal) || l.Contains(" " + prefix + " ", StringComparison.Ordinal)));
}
