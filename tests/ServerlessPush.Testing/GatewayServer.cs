using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServerlessPush.LocalHost;
using ServerlessPush.Storage.Tables;

namespace ServerlessPush.Testing;

/// <summary>
/// The local host of the gateway, in this process, on a free loopback port, over a table of its
/// own in the given Azurite: real HTTP, real storage.
/// </summary>
public sealed class GatewayServer : IGatewayTarget
{
    private readonly WebApplication _app;

    private GatewayServer(WebApplication app, Uri baseAddress, string tableName)
    {
        _app = app;
        BaseAddress = baseAddress;
        TableName = tableName;
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = baseAddress };
    }

    public string Name => "localhost";

    public Uri BaseAddress { get; }

    public string TableName { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Storage requests sent so far (an Azure SDK pipeline policy counts them).</summary>
    public StorageRequestCounter StorageRequests => Services.GetRequiredService<StorageRequestCounter>();

    /// <param name="tableName">Share a table with another gateway (two instances of one deployment); default: a new one.</param>
    public static async Task<GatewayServer> StartAsync(AzuriteServer azurite, IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null, string? tableName = null)
    {
        var port = FreePort.Get();
        tableName ??= NewTableName();
        var values = TestSettings(azurite, tableName, settings);
        var app = LocalGatewayHost.Build(["--urls", $"http://127.0.0.1:{port}"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            configure?.Invoke(builder);
        });
        await app.StartAsync().ConfigureAwait(false);
        return new GatewayServer(app, new Uri($"http://127.0.0.1:{port}"), tableName);
    }

    /// <summary>A table of its own for a gateway under test.</summary>
    public static string NewTableName() => "t" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>
    /// The settings every gateway under test starts with (the local host here, the Functions app under
    /// its test host alike), then <paramref name="overrides"/>. As run-local.sh: no keys, push, read
    /// and admin open; access tests override this.
    /// </summary>
    public static Dictionary<string, string?> TestSettings(AzuriteServer azurite, string tableName, IDictionary<string, string?>? overrides = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Gateway:Tables:ConnectionString"] = azurite.ConnectionString,
            ["Gateway:Tables:TableName"] = tableName,
            ["Gateway:Tables:CreateTableIfMissing"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Gateway:Access:AllowAnonymous"] = "true",
            ["Gateway:Access:AllowAnonymousAdmin"] = "true",
            // The suite runs its projects in parallel on two cores: a request can wait for CPU longer
            // than the production deadline (5 s). Tests of the deadline set it themselves.
            ["Gateway:RequestDeadline"] = "00:00:30",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        return values;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
