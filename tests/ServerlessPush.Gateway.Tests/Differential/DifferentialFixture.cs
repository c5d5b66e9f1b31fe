using System.Net;
using ServerlessPush.FunctionsHost;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Differential;

/// <summary>
/// One reference Pushgateway 1.5.1 and one gateway (over an Azurite of its own, its own table) for the
/// whole differential suite. <see cref="WipeAsync"/> empties both between cases. Which gateway — the
/// local host or the Functions app under the Functions test host — is up to the subclass.
/// </summary>
public abstract class DifferentialFixture : IAsyncLifetime
{
    private AzuriteServer? _azurite;
    private ReferencePushgateway? _reference;
    private IGatewayTarget? _gateway;

    public HttpClient Reference { get; private set; } = null!;

    public HttpClient Gateway { get; private set; } = null!;

    /// <summary>The Azurite both gateways of the suite use (cases that need a gateway with other settings start one on it).</summary>
    public AzuriteServer Azurite => _azurite ?? throw new InvalidOperationException("not started");

    /// <summary>"localhost" or "functions": which gateway the answers are compared with.</summary>
    public string TargetName => _gateway?.Name ?? "(not started)";

    protected abstract Task<IGatewayTarget> StartGatewayAsync(AzuriteServer azurite);

    public async Task InitializeAsync()
    {
        var referenceStart = ReferencePushgateway.StartAsync();
        _azurite = await AzuriteServer.StartAsync();
        _reference = await referenceStart;
        _gateway = await StartGatewayAsync(_azurite);
        Reference = CreateClient(_reference.BaseAddress);
        Gateway = CreateClient(_gateway.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        Reference?.Dispose();
        Gateway?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        if (_reference is not null)
        {
            await _reference.DisposeAsync();
        }
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    /// <summary>
    /// <c>PUT /api/v1/admin/wipe</c> on both. Ours deletes before it answers; the reference only
    /// queues the deletions, so its <c>/api/v1/metrics</c> is polled until it has no group left.
    /// </summary>
    public async Task WipeAsync()
    {
        var ours = Gateway.PutAsync("/api/v1/admin/wipe", null);
        var theirs = Reference.PutAsync("/api/v1/admin/wipe", null);
        Assert.Equal(HttpStatusCode.Accepted, (await ours).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await theirs).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var json = await Reference.GetStringAsync("/api/v1/metrics");
            if (json.Contains("\"data\":[]", StringComparison.Ordinal))
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the reference still has groups after its wipe: " + json);
            }
            await Task.Delay(10);
        }
    }

    /// <summary>Waits until the reference's queued writes (DELETE is answered before it is applied) are done.</summary>
    public async Task SettleReferenceAsync()
    {
        var previous = await Reference.GetStringAsync("/api/v1/metrics");
        for (var i = 0; i < 50; i++)
        {
            await Task.Delay(10);
            var current = await Reference.GetStringAsync("/api/v1/metrics");
            if (Normalise.ApiJson(current) == Normalise.ApiJson(previous))
            {
                return;
            }
            previous = current;
        }
    }

    private static HttpClient CreateClient(Uri baseAddress) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None, UseCookies = false })
        {
            BaseAddress = baseAddress,
            // A request the reference never answers (its 1.5.1 lock leak) fails the case instead of the run.
            Timeout = TimeSpan.FromSeconds(10),
        };
}

/// <summary>The gateway is the local host, in this process.</summary>
public sealed class LocalHostDifferentialFixture : DifferentialFixture
{
    protected override async Task<IGatewayTarget> StartGatewayAsync(AzuriteServer azurite) => await GatewayServer.StartAsync(azurite);
}

/// <summary>The gateway is the published Functions app, run by the Functions test host (one worker for the suite).</summary>
public sealed class FunctionsDifferentialFixture : DifferentialFixture
{
    protected override async Task<IGatewayTarget> StartGatewayAsync(AzuriteServer azurite) => await FunctionsGateway.StartAsync(azurite);
}

[CollectionDefinition(Name)]
public sealed class DifferentialCollection : ICollectionFixture<LocalHostDifferentialFixture>
{
    public const string Name = "Differential";
}

[CollectionDefinition(Name)]
public sealed class FunctionsDifferentialCollection : ICollectionFixture<FunctionsDifferentialFixture>
{
    public const string Name = "Differential (Functions)";
}
