using System.Net;
using System.Text;

namespace ServerlessPush.Gateway.Tests.Differential;

/// <summary>The two answers to one request.</summary>
public sealed record DiffResponse(HttpStatusCode Status, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public static async Task<DiffResponse> ReadAsync(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name] = string.Join(", ", values);
        }
        var bytes = await response.Content.ReadAsByteArrayAsync();
        if (headers.TryGetValue("Content-Encoding", out var encoding) && encoding == "gzip")
        {
            using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress);
            using var plain = new MemoryStream();
            gzip.CopyTo(plain);
            bytes = plain.ToArray();
        }
        return new DiffResponse(response.StatusCode, Encoding.UTF8.GetString(bytes), headers);
    }

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// Runs requests on the reference and the gateway and compares: status; error body (exact, or prefix
/// and kind for consistency errors); Location and Allow; then both scrapes and both /api/v1/metrics.
/// </summary>
public sealed class DiffRunner(DifferentialFixture fixture, string caseName)
{
    private readonly List<string> _log = [];

    public static readonly string[] ComparedHeaders = ["Location", "Allow", "Content-Encoding"];

    /// <summary>Sends to both, compares the answers and then the stored state of both.</summary>
    public async Task<(DiffResponse Reference, DiffResponse Gateway)> StepAsync(DiffRequest request, bool compareState = true)
    {
        var (theirs, ours) = await SendBothAsync(request);
        _log.Add($"{request} → reference {(int)theirs.Status}, gateway {(int)ours.Status}");
        Check((int)theirs.Status, (int)ours.Status, "status");
        if (request.Method == "GET" && request.Path == "/metrics")
        {
            Check(Normalise.Scrape(theirs.Body), Normalise.Scrape(ours.Body), "scrape body");
        }
        else
        {
            Check(ComparableBody(theirs), ComparableBody(ours), "body");
        }
        foreach (var header in ComparedHeaders)
        {
            Check(theirs.Header(header), ours.Header(header), header + " header");
        }
        if (!IsSuccess(theirs) || theirs.Body.Length > 0 || IsError(theirs))
        {
            Check(theirs.Header("Content-Type"), ours.Header("Content-Type"), "Content-Type header");
        }
        if (request.Method == "DELETE")
        {
            await fixture.SettleReferenceAsync();
        }
        if (compareState)
        {
            await CompareStateAsync();
        }
        return (theirs, ours);
    }

    public async Task RunAsync(IEnumerable<DiffRequest> requests)
    {
        foreach (var request in requests)
        {
            await StepAsync(request);
        }
    }

    /// <summary>Only to the gateway (for the known differences).</summary>
    public async Task<DiffResponse> GatewayOnlyAsync(DiffRequest request)
    {
        using var message = request.ToMessage(fixture.Gateway.BaseAddress);
        var response = await DiffResponse.ReadAsync(await fixture.Gateway.SendAsync(message));
        _log.Add($"{request} → gateway only {(int)response.Status}");
        return response;
    }

    /// <summary>Only to the reference (for the known differences).</summary>
    public async Task<DiffResponse> ReferenceOnlyAsync(DiffRequest request)
    {
        using var message = request.ToMessage(fixture.Reference.BaseAddress);
        var response = await DiffResponse.ReadAsync(await fixture.Reference.SendAsync(message));
        _log.Add($"{request} → reference only {(int)response.Status}");
        return response;
    }

    /// <summary>GET /metrics (no Accept, and Accept: text/plain) and GET /api/v1/metrics on both.</summary>
    public async Task CompareStateAsync()
    {
        var theirApi = await fixture.Reference.GetStringAsync("/api/v1/metrics");
        var ourApi = await fixture.Gateway.GetStringAsync("/api/v1/metrics");
        Check(Normalise.ApiJson(theirApi, Normalise.IsGhostGroup), Normalise.ApiJson(ourApi), "GET /api/v1/metrics");

        var ghosts = Normalise.GhostGroups(theirApi);
        foreach (var accept in new string?[] { null, "text/plain" })
        {
            var request = DiffRequest.Get("/metrics");
            if (accept is not null)
            {
                request = request.With("Accept", accept);
            }
            var (theirs, ours) = await SendBothAsync(request);
            Check((int)theirs.Status, (int)ours.Status, $"GET /metrics (Accept: {accept}) status");
            Check(theirs.Header("Content-Type"), ours.Header("Content-Type"), $"GET /metrics (Accept: {accept}) Content-Type");
            Check(Normalise.Scrape(theirs.Body, ghosts), Normalise.Scrape(ours.Body), $"GET /metrics (Accept: {accept})");
        }
    }

    public void Check<T>(T reference, T gateway, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(reference, gateway))
        {
            Assert.Fail($"[{caseName}] {what} differs.\n--- reference:\n{reference}\n--- gateway ({fixture.TargetName}):\n{gateway}\n--- requests so far:\n  {string.Join("\n  ", _log)}");
        }
    }

    public string Log => string.Join("\n  ", _log);

    private async Task<(DiffResponse Reference, DiffResponse Gateway)> SendBothAsync(DiffRequest request)
    {
        using var theirMessage = request.ToMessage(fixture.Reference.BaseAddress);
        using var ourMessage = request.ToMessage(fixture.Gateway.BaseAddress);
        var theirs = fixture.Reference.SendAsync(theirMessage);
        var ours = fixture.Gateway.SendAsync(ourMessage);
        return (await DiffResponse.ReadAsync(await theirs), await DiffResponse.ReadAsync(await ours));
    }

    private static bool IsSuccess(DiffResponse response) => (int)response.Status is >= 200 and < 300;

    private static bool IsError(DiffResponse response) => (int)response.Status >= 400;

    /// <summary>Errors: the exact message, except consistency errors (prefix and kind).</summary>
    private static string ComparableBody(DiffResponse response) =>
        Normalise.ConsistencyKind(response.Body) ?? response.Body;
}
