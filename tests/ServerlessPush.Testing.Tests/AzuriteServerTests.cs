using Azure;
using Azure.Data.Tables;

namespace ServerlessPush.Testing.Tests;

/// <summary>An xunit fixture around <see cref="AzuriteServer"/> (the pattern other test projects can copy).</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public AzuriteServer Server { get; private set; } = null!;
    public async Task InitializeAsync() => Server = await AzuriteServer.StartAsync();
    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class AzuriteServerTests(AzuriteFixture fixture) : IClassFixture<AzuriteFixture>
{
    private static TableServiceClient Client(AzuriteServer server) =>
        new(server.ConnectionString, new TableClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(5) } });

    private static async Task RoundTripAsync(AzuriteServer server, string table)
    {
        var tables = Client(server);
        await tables.CreateTableIfNotExistsAsync(table);
        var client = tables.GetTableClient(table);
        await client.UpsertEntityAsync(new TableEntity("pk", "rk") { ["Value"] = "hello" });
        var entity = await client.GetEntityAsync<TableEntity>("pk", "rk");
        Assert.Equal("hello", entity.Value.GetString("Value"));
    }

    [Fact]
    public void Exposes_loopback_endpoint_and_dev_connection_string()
    {
        var server = fixture.Server;
        Assert.True(server.IsRunning);
        Assert.Equal($"http://127.0.0.1:{server.Port}/devstoreaccount1", server.TableEndpoint.ToString());
        Assert.Contains($"TableEndpoint=http://127.0.0.1:{server.Port}/devstoreaccount1;", server.ConnectionString, StringComparison.Ordinal);
        Assert.Contains("AccountName=devstoreaccount1;", server.ConnectionString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Creates_a_table_and_round_trips_an_entity()
    {
        await RoundTripAsync(fixture.Server, "roundtrip");
    }

    [Fact]
    public async Task Stop_makes_requests_fail_and_restart_brings_storage_back_on_the_same_port()
    {
        // Own instance: this test takes storage away.
        await using var server = await AzuriteServer.StartAsync();
        var port = server.Port;
        await RoundTripAsync(server, "faults");

        await server.StopAsync();
        Assert.False(server.IsRunning);
        Assert.Null(server.ProcessId);
        await Assert.ThrowsAnyAsync<RequestFailedException>(() => Client(server).CreateTableIfNotExistsAsync("faults"));

        await server.RestartAsync();
        Assert.True(server.IsRunning);
        Assert.Equal(port, server.Port);
        // In-memory: the table is gone after the restart.
        var tables = await Client(server).QueryAsync().ToListAsync();
        Assert.Empty(tables);
        await RoundTripAsync(server, "faults");
    }
}

file static class AsyncEnumerableExtensions
{
    public static async Task<List<T>> ToListAsync<T>(this AsyncPageable<T> source) where T : notnull
    {
        var list = new List<T>();
        await foreach (var item in source)
        {
            list.Add(item);
        }
        return list;
    }
}
