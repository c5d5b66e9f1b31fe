using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Expiry;

/// <summary>
/// Stale groups (Gateway:Expiry:Stale) on two instances over one table whose clocks are
/// <see cref="Skew"/> apart: B runs ahead of A. Time is injected, nothing sleeps.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class StaleGroupTests(AzuriteFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(2);
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private GatewayServer _a = null!;
    private GatewayServer _b = null!;

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Gateway:Expiry:Stale:0:Jobs"] = "cron, etl-*",
        ["Gateway:Expiry:Stale:0:KeepFor"] = "01:00:00",
        ["Gateway:Expiry:Schedule"] = "0 0 0 1 1 *",
    };

    public async Task InitializeAsync()
    {
        _a = await GatewayServer.StartAsync(fixture.Azurite, Settings, builder => builder.Services.AddSingleton<TimeProvider>(_time));
        _b = await GatewayServer.StartAsync(fixture.Azurite, Settings, builder => builder.Services.AddSingleton<TimeProvider>(new SkewedTime(_time, Skew)), _a.TableName);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static async Task PushAsync(GatewayServer gateway, HttpMethod method, string path, string body, string ttl)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
        request.Headers.Add(PushTtl.HeaderName, ttl);
        var response = await gateway.Client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Job → stale_until (null = live) of every listed group.</summary>
    private static async Task<Dictionary<string, string?>> ListedAsync(GatewayServer gateway)
    {
        using var json = JsonDocument.Parse(await gateway.Client.GetStringAsync("/api/v1/metrics"));
        return json.RootElement.GetProperty("data").EnumerateArray().ToDictionary(
            g => g.GetProperty("labels").GetProperty("job").GetString()!,
            g => g.TryGetProperty("stale_until", out var until) ? until.GetString() : null);
    }

    private static Task<string> ScrapeAsync(GatewayServer gateway) => gateway.Client.GetStringAsync("/metrics");

    /// <summary>The value of the job's <c>push_time_seconds</c> in a text scrape, or null.</summary>
    private static double? PushTime(string scrape, string job)
    {
        var prefix = $"push_time_seconds{{instance=\"\",job=\"{job}\"}} ";
        var line = scrape.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[prefix.Length..], CultureInfo.InvariantCulture);
    }

    private static DateTimeOffset? Time(string? text) => text is null ? null : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    [Fact]
    public async Task An_expired_group_of_a_stale_job_is_listed_and_marked_not_scraped_but_its_push_time_is_and_the_sweep_deletes_it_after_the_second_bound()
    {
        await PushAsync(_a, HttpMethod.Put, "/metrics/job/cron", "backup_bytes 42\n", "10m");
        await PushAsync(_a, HttpMethod.Put, "/metrics/job/etl-nightly", "rows 7\n", "10m");
        await PushAsync(_a, HttpMethod.Put, "/metrics/job/other", "x 1\n", "10m");

        // 9 min on A, 11 on B: the skew is the only window in which the two disagree, and neither writes anything.
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Contains("backup_bytes{", await ScrapeAsync(_a), StringComparison.Ordinal);
        Assert.DoesNotContain("backup_bytes{", await ScrapeAsync(_b), StringComparison.Ordinal);
        Assert.Null((await ListedAsync(_a))["cron"]);
        Assert.NotNull((await ListedAsync(_b))["cron"]);

        // Expired on both clocks: stale on both, the other job gone on both.
        _time.Advance(TimeSpan.FromMinutes(2));
        var staleUntil = Start + TimeSpan.FromMinutes(10) + TimeSpan.FromHours(1);
        foreach (var gateway in new[] { _a, _b })
        {
            var listed = await ListedAsync(gateway);
            Assert.Equal(staleUntil, Time(listed["cron"]));
            Assert.Equal(staleUntil, Time(listed["etl-nightly"]));
            Assert.False(listed.ContainsKey("other"));
            var scrape = await ScrapeAsync(gateway);
            Assert.DoesNotContain("backup_bytes{", scrape, StringComparison.Ordinal);
            Assert.DoesNotContain("rows{", scrape, StringComparison.Ordinal);
            Assert.DoesNotContain("job=\"other\"", scrape, StringComparison.Ordinal);
            // push_time_seconds still tells how old the group is: the push's time, unchanged.
            Assert.Equal(Start.ToUnixTimeSeconds(), PushTime(scrape, "cron"));
        }

        // Sweeps on both before the second bound delete only the plain job's group.
        var first = await _b.Services.GetRequiredService<ExpirySweeper>().SweepAsync();
        var second = await _a.Services.GetRequiredService<ExpirySweeper>().SweepAsync();
        Assert.Equal(1, first.Deleted + second.Deleted);
        Assert.Equal(["cron", "etl-nightly"], (await ListedAsync(_a)).Keys.Order());

        // Past the bound on B's clock, not yet on A's: A's sweep keeps them, B's deletes them, and A lists them no more.
        _time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromMinutes(2));
        Assert.Equal(0, (await _a.Services.GetRequiredService<ExpirySweeper>().SweepAsync()).Deleted);
        Assert.Equal(2, (await ListedAsync(_a)).Count);
        Assert.Equal(2, (await _b.Services.GetRequiredService<ExpirySweeper>().SweepAsync()).Deleted);
        Assert.Empty(await ListedAsync(_a));
        Assert.Empty(await ListedAsync(_b));
        Assert.DoesNotContain("job=\"cron\"", await ScrapeAsync(_a), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_push_on_one_instance_renews_a_stale_group_and_the_other_instances_sweep_keeps_it()
    {
        await PushAsync(_a, HttpMethod.Put, "/metrics/job/cron", "old 1\n", "10m");
        _time.Advance(TimeSpan.FromMinutes(15));
        Assert.NotNull((await ListedAsync(_a))["cron"]);

        // B pushes again (a POST: the stale content is not merged back, as after any expiry).
        await PushAsync(_b, HttpMethod.Post, "/metrics/job/cron", "fresh 2\n", "2h");
        foreach (var gateway in new[] { _a, _b })
        {
            Assert.Null((await ListedAsync(gateway))["cron"]);
            var scrape = await ScrapeAsync(gateway);
            Assert.Contains("fresh{", scrape, StringComparison.Ordinal);
            Assert.DoesNotContain("old{", scrape, StringComparison.Ordinal);
        }

        // Past the first expiry's second bound on both clocks: the sweep finds the renewed group and keeps it.
        _time.Advance(TimeSpan.FromHours(1));
        var swept = await _a.Services.GetRequiredService<ExpirySweeper>().SweepAsync();
        Assert.Equal(0, swept.Deleted);
        Assert.Null((await ListedAsync(_b))["cron"]);
        Assert.Contains("fresh{", await ScrapeAsync(_a), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "01:00:00", "must name at least one job")]
    [InlineData("a*b", "01:00:00", "only at its end")]
    [InlineData("cron", "00:00:00", "KeepFor must be more than 0")]
    [InlineData("cron", "400.00:00:00", "KeepFor must be more than 0")]
    public async Task A_bad_stale_rule_stops_the_gateway_at_start_with_the_reason(string jobs, string keepFor, string reason)
    {
        var settings = new Dictionary<string, string?>(Settings)
        {
            ["Gateway:Expiry:Stale:0:Jobs"] = jobs,
            ["Gateway:Expiry:Stale:0:KeepFor"] = keepFor,
        };
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await GatewayServer.StartAsync(fixture.Azurite, settings)).DisposeAsync());
        Assert.Contains(reason, error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Another instance's clock: the shared fake one, <c>offset</c> ahead.</summary>
    private sealed class SkewedTime(TimeProvider inner, TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + offset;

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;
    }
}
