using System.Net;
using System.Text.Json.Nodes;
using static ServerlessPush.Gateway.Tests.Differential.DiffRequest;

namespace ServerlessPush.Gateway.Tests.Differential;

/// <summary>
/// The same requests to the reference Pushgateway 1.5.1 and to the gateway; answers and stored state
/// must agree, except for the known, deliberate differences asserted at the end of this class. Run
/// once per gateway target: <see cref="LocalHostDifferentialTests"/>, <see cref="FunctionsDifferentialTests"/>.
/// </summary>
public abstract class DifferentialTests(DifferentialFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync() => fixture.WipeAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string> CaseNames => DifferentialCases.Names();

    /// <summary>
    /// Cases this target does not yet answer as the reference does, each with the reason. They are
    /// not skipped: each must still differ (so one that starts to agree fails until it is taken off).
    /// </summary>
    protected virtual IReadOnlyDictionary<string, string> KnownTargetDifferences { get; } = new Dictionary<string, string>();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Both_answer_alike(string name)
    {
        var runner = new DiffRunner(fixture, name);
        if (KnownTargetDifferences.TryGetValue(name, out var reason))
        {
            var difference = await Record.ExceptionAsync(() => runner.RunAsync(DifferentialCases.All[name]));
            Assert.True(difference is not null,
                $"[{name}] now answers as the reference under {fixture.TargetName}: take it off the known differences ({reason}).");
            Assert.IsAssignableFrom<Xunit.Sdk.XunitException>(difference); // a compared difference, not a crash or a hang
            return;
        }
        await runner.RunAsync(DifferentialCases.All[name]);
    }

    // ---------------------------------------------------------------------------------------------
    // KNOWN, DELIBERATE DIFFERENCES: the gateway's behaviour is asserted, next to the reference's.
    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// KNOWN DIFFERENCE (1): a push rejected for timestamps or consistency does not create a group that
    /// did not exist; the reference creates one with push_time_seconds 0 and a failure time. (On an
    /// existing group both record push_failure_time_seconds: see the "timestamp on an existing group" case.)
    /// </summary>
    [Theory]
    [InlineData("m 1 1000\n")]
    [InlineData("m{a=\"1\"} 1\nm{a=\"1\"} 2\n")]
    public async Task Rejected_push_does_not_create_a_group(string body)
    {
        var runner = new DiffRunner(fixture, "known difference 1");
        var (theirs, ours) = await runner.StepAsync(Put("/metrics/job/new", body), compareState: false);
        Assert.Equal(HttpStatusCode.BadRequest, ours.Status);

        var ourGroups = JsonNode.Parse(await fixture.Gateway.GetStringAsync("/api/v1/metrics"))!["data"]!.AsArray();
        Assert.Empty(ourGroups);
        Assert.DoesNotContain("push_failure_time_seconds", await fixture.Gateway.GetStringAsync("/metrics"));

        // The reference's ghost group, for the record.
        var referenceGroups = JsonNode.Parse(await fixture.Reference.GetStringAsync("/api/v1/metrics"))!["data"]!.AsArray();
        var ghost = Assert.Single(referenceGroups)!.AsObject();
        Assert.True(Normalise.IsGhostGroup(ghost));
        Assert.Equal(HttpStatusCode.BadRequest, theirs.Status);
    }

    /// <summary>
    /// KNOWN DIFFERENCE (2): the reference's poisoning. After PUT {job=p} and PUT {job=p,instance=""}
    /// (rejected, yet stored) the reference answers 500 on /metrics; the gateway rejects the second push
    /// with 400, stores nothing for it, and keeps serving.
    /// </summary>
    [Fact]
    public async Task Instance_empty_sibling_is_rejected_without_poisoning()
    {
        var runner = new DiffRunner(fixture, "known difference 2");
        await runner.StepAsync(Put("/metrics/job/p", "m 1\n"));
        var (theirs, ours) = await runner.StepAsync(Put("/metrics/job/p/instance@base64/=", "m 1\n"), compareState: false);
        runner.Check((int)theirs.Status, (int)ours.Status, "status");
        Assert.Equal(HttpStatusCode.BadRequest, ours.Status);
        Assert.Equal(Normalise.ConsistencyKind(theirs.Body), Normalise.ConsistencyKind(ours.Body));

        var referenceScrape = await fixture.Reference.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.InternalServerError, referenceScrape.StatusCode);

        var ourScrape = await fixture.Gateway.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, ourScrape.StatusCode);
        var text = await ourScrape.Content.ReadAsStringAsync();
        Assert.Contains("m{instance=\"\",job=\"p\"} 1\n", text);
        Assert.Single(JsonNode.Parse(await fixture.Gateway.GetStringAsync("/api/v1/metrics"))!["data"]!.AsArray());

        // And later pushes elsewhere still work on the gateway (the reference rejects them all).
        Assert.Equal(HttpStatusCode.OK, (await runner.GatewayOnlyAsync(Put("/metrics/job/other", "n 1\n"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await runner.ReferenceOnlyAsync(Put("/metrics/job/other", "n 1\n"))).Status);
    }

    /// <summary>KNOWN DIFFERENCE (3): the standard alphabet's '+' in an @base64 value is accepted by the gateway.</summary>
    [Fact]
    public async Task Standard_base64_plus_is_accepted()
    {
        var runner = new DiffRunner(fixture, "known difference 3");
        var theirs = await runner.ReferenceOnlyAsync(Put("/metrics/job/j/v@base64/fn5+", "m 1\n"));
        var ours = await runner.GatewayOnlyAsync(Put("/metrics/job/j/v@base64/fn5+", "m 1\n"));
        Assert.Equal(HttpStatusCode.BadRequest, theirs.Status);
        Assert.Equal("invalid base64 encoding for label v=\"fn5+\": illegal base64 data at input byte 3\n", theirs.Body);
        Assert.Equal(HttpStatusCode.OK, ours.Status);
        Assert.Contains("m{instance=\"\",job=\"j\",v=\"~~~\"} 1\n", await fixture.Gateway.GetStringAsync("/metrics"));
    }

    /// <summary>
    /// KNOWN DIFFERENCE (4): 1.5.1 never releases a lock after an invalid base64 job, and hangs every
    /// later job@base64 push. Only the gateway is asked; it answers with the reference's message and
    /// keeps serving that route.
    /// </summary>
    [Fact]
    public async Task Invalid_base64_job_does_not_hang()
    {
        var runner = new DiffRunner(fixture, "known difference 4");
        var bad = await runner.GatewayOnlyAsync(Put("/metrics/job@base64/!!!", "m 1\n"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal("invalid base64 encoding in job name \"\": illegal base64 data at input byte 0\n", bad.Body);
        var good = await runner.GatewayOnlyAsync(Put("/metrics/job@base64/YWI", "m 1\n"));
        Assert.Equal(HttpStatusCode.OK, good.Status);
    }

    /// <summary>
    /// KNOWN DIFFERENCE (5): a <c>Content-Encoding</c> other than gzip, snappy or identity is refused
    /// with the reason; the reference (1.5.1, and 1.6+ too) parses such a body as if it were plain.
    /// (Until OpenMetrics became opt-in this was "OpenMetrics when asked"; by default the gateway now
    /// answers text as the reference does, compared in the cases.)
    /// </summary>
    [Fact]
    public async Task An_unknown_content_encoding_is_refused()
    {
        var runner = new DiffRunner(fixture, "known difference 5");
        var request = Put("/metrics/job/j", "m 1\n").With("Content-Encoding", "deflate");
        var theirs = await runner.ReferenceOnlyAsync(request);
        Assert.Equal(HttpStatusCode.OK, theirs.Status);
        var ours = await runner.GatewayOnlyAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, ours.Status);
        Assert.Contains("unsupported Content-Encoding \"deflate\"", ours.Body);
        Assert.DoesNotContain("job=\"j\"", await fixture.Gateway.GetStringAsync("/metrics"));
    }

    /// <summary>
    /// A version difference: 1.5.1 reads a snappy body raw (400 for a compressed one); Pushgateway
    /// 1.6+ and the gateway decode it (framed, as 1.6+ reads it).
    /// </summary>
    [Fact]
    public async Task Snappy_bodies_are_decoded_as_in_newer_pushgateway()
    {
        var runner = new DiffRunner(fixture, "snappy");
        using var framed = new MemoryStream();
        using (var snappy = new Snappier.SnappyStream(framed, System.IO.Compression.CompressionMode.Compress, leaveOpen: true))
        {
            snappy.Write("m 1\n"u8);
        }
        var request = Put("/metrics/job/j", framed.ToArray()).With("Content-Encoding", "snappy");
        var theirs = await runner.ReferenceOnlyAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, theirs.Status);
        var ours = await runner.GatewayOnlyAsync(request);
        Assert.Equal(HttpStatusCode.OK, ours.Status);
        Assert.Contains("m{instance=\"\",job=\"j\"} 1\n", await fixture.Gateway.GetStringAsync("/metrics"));
    }

    /// <summary>
    /// KNOWN DIFFERENCE (6): response compression follows Pushgateway ≥1.10: only a lone
    /// <c>Accept-Encoding: gzip</c> is compressed (compared in the cases); "gzip, identity" is not.
    /// </summary>
    [Fact]
    public async Task Gzip_response_negotiation_follows_newer_pushgateway()
    {
        var runner = new DiffRunner(fixture, "known difference 6");
        await runner.StepAsync(Put("/metrics/job/j", "m 1\n"));
        var ours = await runner.GatewayOnlyAsync(Get("/metrics").With("Accept-Encoding", "gzip, identity"));
        Assert.Null(ours.Header("Content-Encoding"));
        ours = await runner.GatewayOnlyAsync(Get("/metrics").With("Accept-Encoding", "gzip"));
        Assert.Equal("gzip", ours.Header("Content-Encoding"));
    }

    /// <summary>
    /// A version difference, not one of the listed six (nor the snappy one above): 1.5.1 compares <c>Content-Encoding</c> with
    /// "gzip" case-sensitively and parses a "GZIP" body as text (400); Pushgateway 1.6.0+ decodes it.
    /// The gateway follows 1.6.0+, as it does for response compression (difference 6).
    /// </summary>
    [Fact]
    public async Task Content_encoding_is_case_insensitive_as_in_newer_pushgateway()
    {
        var runner = new DiffRunner(fixture, "GZIP in capitals");
        var request = Put("/metrics/job/j", "m 1\n").Gzipped() with { Headers = [("Content-Encoding", "GZIP")] };
        var theirs = await runner.ReferenceOnlyAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, theirs.Status);
        Assert.Equal("text format parsing error in line 1: invalid metric name\n", theirs.Body);
        var ours = await runner.GatewayOnlyAsync(request);
        Assert.Equal(HttpStatusCode.OK, ours.Status);
        Assert.Contains("m{instance=\"\",job=\"j\"} 1\n", await fixture.Gateway.GetStringAsync("/metrics"));
    }
}

[Collection(DifferentialCollection.Name)]
public sealed class LocalHostDifferentialTests(LocalHostDifferentialFixture fixture) : DifferentialTests(fixture);
