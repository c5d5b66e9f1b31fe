using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServerlessPush.Core.Storage;
using ServerlessPush.LocalHost;
using ServerlessPush.Storage.Tables;
using ServerlessPush.Testing;

namespace ServerlessPush.WebPage.Tests.Infrastructure;

/// <summary>
/// The local host of the gateway, in this process, on a free loopback port, over a table of its
/// own in the given Azurite: real HTTP, real storage. (A copy of ServerlessPush.Gateway.Tests' class.)
/// </summary>
public sealed class GatewayServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayServer(WebApplication app, Uri baseAddress, string tableName)
    {
        _app = app;
        BaseAddress = baseAddress;
        TableName = tableName;
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    public string TableName { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Copied from ServerlessPush.Gateway.Tests.
/// Storage requests sent so far (an Azure SDK pipeline policy counts them).</summary>
    public StorageRequestCounter StorageRequests => Services.GetRequiredService<StorageRequestCounter>();

    public static Task<GatewayServer> StartAsync(AzuriteServer azurite, IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null) =>
        StartAsync(azurite.ConnectionString, settings, configure);

    /// <summary>Over any storage account (or none: tests that replace IGroupStore never reach it).</summary>
    public static async Task<GatewayServer> StartAsync(string connectionString, IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var port = FreePort.Get();
        var tableName = "t" + Guid.NewGuid().ToString("N")[..20];
        var values = new Dictionary<string, string?>
        {
            ["Gateway:Tables:ConnectionString"] = connectionString,
            ["Gateway:Tables:TableName"] = tableName,
            ["Gateway:Tables:CreateTableIfMissing"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
            // As run-local.sh: rights without keys are open (access has tests of its own).
            ["Gateway:Access:AllowAnonymous"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        var app = LocalGatewayHost.Build(["--urls", $"http://127.0.0.1:{port}"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            configure?.Invoke(builder);
        });
        await app.StartAsync().ConfigureAwait(false);
        // Create the table before the first push: the push's metric-type index write runs in parallel
        // with the store's first read and can reach a table not yet created (TableNotFound, a 500).
        await foreach (var _ in app.Services.GetRequiredService<IGroupStore>().ListKeysAsync().ConfigureAwait(false))
        {
            break;
        }
        return new GatewayServer(app, new Uri($"http://127.0.0.1:{port}"), tableName);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
