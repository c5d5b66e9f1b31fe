using Azure;
using Azure.Data.Tables;

namespace ServerlessPush.Testing.Tests;

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
        var server = fixture.Azurite;
        Assert.True(server.IsRunning);
        Assert.Equal($"http://127.0.0.1:{server.Port}/devstoreaccount1", server.TableEndpoint.ToString());
        Assert.Contains($"TableEndpoint=http://127.0.0.1:{server.Port}/devstoreaccount1;", server.ConnectionString, StringComparison.Ordinal);
        Assert.Contains("AccountName=devstoreaccount1;", server.ConnectionString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Creates_a_table_and_round_trips_an_entity()
    {
        await RoundTripAsync(fixture.Azurite, "roundtrip");
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

    [Theory]
    [InlineData(-30)]
    [InlineData(30)]
    public async Task A_clock_offset_shifts_Azurite_time_and_survives_a_restart(int seconds)
    {
        var offset = TimeSpan.FromSeconds(seconds);
        await using var server = await AzuriteServer.StartAsync(clockOffset: offset);
        Assert.Equal(offset, server.ClockOffset);
        for (var run = 0; run < 2; run++)
        {
            var tables = Client(server);
            await tables.CreateTableIfNotExistsAsync("clock");
            var client = tables.GetTableClient("clock");
            var before = DateTimeOffset.UtcNow;
            var response = await client.UpsertEntityAsync(new TableEntity("pk", "rk"));
            var after = DateTimeOffset.UtcNow;
            var stamped = (await client.GetEntityAsync<TableEntity>("pk", "rk")).Value.Timestamp!.Value;
            // Timestamp and Date both come from Azurite's (shifted) clock; Date has whole seconds.
            Assert.InRange(stamped, before + offset - TimeSpan.FromSeconds(1), after + offset + TimeSpan.FromSeconds(1));
            Assert.InRange(response.Headers.Date!.Value, before + offset - TimeSpan.FromSeconds(2), after + offset + TimeSpan.FromSeconds(1));
            await server.RestartAsync();
        }
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
