using ServerlessPush.Testing;

namespace ServerlessPush.FunctionsHost;

/// <summary>
/// The gateway as the Functions app, published and run under the <see cref="FunctionsTestHost"/>,
/// over a table of its own in the given Azurite: the Functions counterpart of
/// <see cref="GatewayServer"/>, with the same default settings (given, like GatewayServer's, as
/// configuration keys; they become app settings, <c>Gateway:Tables:TableName</c> →
/// <c>Gateway__Tables__TableName</c>).
/// </summary>
public sealed class FunctionsGateway : IGatewayTarget
{
    private FunctionsGateway(FunctionsTestHost host, string tableName)
    {
        Host = host;
        TableName = tableName;
    }

    public FunctionsTestHost Host { get; }

    public string TableName { get; }

    public Uri BaseAddress => Host.BaseAddress;

    public HttpClient Client => Host.Client;

    public string Name => "functions";

    /// <param name="tableName">Share a table with another gateway; default: a new one.</param>
    public static async Task<FunctionsGateway> StartAsync(AzuriteServer azurite, IDictionary<string, string?>? settings = null, string? tableName = null,
        CancellationToken cancellationToken = default)
    {
        tableName ??= GatewayServer.NewTableName();
        var values = GatewayServer.TestSettings(azurite, tableName, settings);
        var host = await FunctionsTestHost.StartAsync(new FunctionsTestHostOptions
        {
            AppDirectory = await PublishedFunctionsApp.GetAsync().ConfigureAwait(false),
            AppSettings = values.ToDictionary(v => v.Key.Replace(":", "__", StringComparison.Ordinal), v => v.Value),
        }, cancellationToken).ConfigureAwait(false);
        return new FunctionsGateway(host, tableName);
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();

    public override string ToString() => Host.ToString();
}
