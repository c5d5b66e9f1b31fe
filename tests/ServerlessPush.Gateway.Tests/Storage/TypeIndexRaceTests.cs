using System.Net;
using System.Text;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Storage.Tables;
using ServerlessPush.Testing;
using Xunit.Abstractions;

namespace ServerlessPush.Gateway.Tests.Storage;

/// <summary>
/// First pushes of one metric name with two types, on two instances over one table at once: exactly
/// one is accepted and served by both instances, the other is a 400 with the reference's type-clash
/// message, and the name index still knows the type afterwards (a third push of another type is refused).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TypeIndexRaceTests(AzuriteFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly StorageGate _gateA = new();
    private GatewayServer _a = null!;
    private GatewayServer _b = null!;

    public async Task InitializeAsync()
    {
        _a = await GatewayServer.StartAsync(fixture.Azurite, configure: _gateA.InstallOn);
        _b = await GatewayServer.StartAsync(fixture.Azurite, tableName: _a.TableName);
    }

    public async Task DisposeAsync()
    {
        _gateA.Release();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static HttpRequestMessage Put(string path, string body) => Push(HttpMethod.Put, path, body);

    private static HttpRequestMessage Push(HttpMethod method, string path, string body) =>
        new(method, path) { Content = new StringContent(body, Encoding.UTF8, "text/plain") };

    [Fact]
    public async Task A_push_whose_group_write_is_still_in_flight_keeps_its_index_row()
    {
        // A has registered "ir" as a gauge and is stopped just before writing its group; B then
        // pushes "ir" as a counter, finds A's row and A's group without the name.
        _gateA.Arm(StorageGate.HeadWrite(TableKeys.GroupPartition(GroupingKey.ForJob("ia"))));
        var gauge = _a.Client.SendAsync(Put("/metrics/job/ia", "# TYPE ir gauge\nir 1\n"));
        await _gateA.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        var counter = await _b.Client.SendAsync(Put("/metrics/job/ib", "# TYPE ir counter\nir 2\n"));
        _gateA.Release();
        var first = await gauge;

        var statuses = new[] { first.StatusCode, counter.StatusCode };
        Assert.True(statuses.Count(s => s == HttpStatusCode.OK) == 1, $"gauge {(int)first.StatusCode}, counter {(int)counter.StatusCode}: exactly one must be accepted");
        var (accepted, rejected, acceptedSeries, rejectedSeries) = first.StatusCode == HttpStatusCode.OK
            ? (first, counter, "ir{instance=\"\",job=\"ia\"} 1", "ir{instance=\"\",job=\"ib\"}")
            : (counter, first, "ir{instance=\"\",job=\"ib\"} 2", "ir{instance=\"\",job=\"ia\"}");
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Contains("is not a", await rejected.Content.ReadAsStringAsync());
        foreach (var gateway in new[] { _a, _b })
        {
            var scrape = await gateway.Client.GetStringAsync("/metrics");
            Assert.Contains(acceptedSeries + "\n", scrape);
            Assert.DoesNotContain(rejectedSeries, scrape);
        }
        var third = await _b.Client.SendAsync(Put("/metrics/job/ic", "ir 3\n"));
        Assert.Equal(HttpStatusCode.BadRequest, third.StatusCode);
    }

    [Fact]
    public async Task A_group_whose_stale_row_was_removed_registers_its_names_again()
    {
        // A pushes "sn" as a counter, then replaces the group without it; A still knows it registered "sn".
        Assert.Equal(HttpStatusCode.OK, (await _a.Client.SendAsync(Put("/metrics/job/sa", "# TYPE sn counter\nsn 1\n"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _a.Client.SendAsync(Put("/metrics/job/sa", "other 1\n"))).StatusCode);
        // B finds A's row stale and takes the name as a gauge.
        Assert.Equal(HttpStatusCode.OK, (await _b.Client.SendAsync(Put("/metrics/job/sb", "# TYPE sn gauge\nsn 2\n"))).StatusCode);

        // A's next counter push must be checked again, not let through on what A remembers.
        var again = await _a.Client.SendAsync(Put("/metrics/job/sa", "# TYPE sn counter\nsn 3\n"));
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("is not a GAUGE", await again.Content.ReadAsStringAsync());
        foreach (var gateway in new[] { _a, _b })
        {
            var scrape = await gateway.Client.GetStringAsync("/metrics");
            Assert.Contains("sn{instance=\"\",job=\"sb\"} 2\n", scrape);
            Assert.DoesNotContain("sn{instance=\"\",job=\"sa\"}", scrape);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Racing_first_pushes_of_a_name_with_two_types_accept_exactly_one_and_serve_it(bool groupsExist)
    {
        const int rounds = 40;
        var outcomes = new Dictionary<string, int>();
        var failures = new List<string>();
        for (var round = 0; round < rounds; round++)
        {
            var name = $"rc{round}";
            // Alternate which instance pushes which type, and which job sorts first.
            var (gaugeOn, counterOn) = round % 2 == 0 ? (_a, _b) : (_b, _a);
            var (gaugeJob, counterJob) = round % 4 < 2 ? ($"ca{round}", $"cb{round}") : ($"cb{round}", $"ca{round}");
            if (groupsExist)
            {
                // The name is new to groups that already hold something else (POSTs keep that).
                foreach (var job in new[] { gaugeJob, counterJob })
                {
                    Assert.Equal(HttpStatusCode.OK, (await gaugeOn.Client.SendAsync(Put($"/metrics/job/{job}", "base 1\n"))).StatusCode);
                }
            }
            var method = groupsExist ? HttpMethod.Post : HttpMethod.Put;
            var responses = await Task.WhenAll(
                gaugeOn.Client.SendAsync(Push(method, $"/metrics/job/{gaugeJob}", $"# TYPE {name} gauge\n{name} 1\n")),
                counterOn.Client.SendAsync(Push(method, $"/metrics/job/{counterJob}", $"# TYPE {name} counter\n{name} 2\n")));
            var (gauge, counter) = ((int)responses[0].StatusCode, (int)responses[1].StatusCode);

            var servedGauge = true;
            var servedCounter = true;
            foreach (var gateway in new[] { _a, _b })
            {
                var scrape = await gateway.Client.GetStringAsync("/metrics");
                servedGauge &= scrape.Contains($"{name}{{instance=\"\",job=\"{gaugeJob}\"}} 1\n", StringComparison.Ordinal);
                servedCounter &= scrape.Contains($"{name}{{instance=\"\",job=\"{counterJob}\"}} 2\n", StringComparison.Ordinal);
            }
            var third = (int)(await _a.Client.SendAsync(Put($"/metrics/job/cc{round}", $"{name} 3\n"))).StatusCode;

            var outcome = $"gauge {gauge}{(servedGauge ? " served" : "")}, counter {counter}{(servedCounter ? " served" : "")}, untyped afterwards {third}";
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            var oneAccepted = (gauge, counter) is (200, 400) or (400, 200);
            var rejectedMessage = oneAccepted && (await responses[gauge == 400 ? 0 : 1].Content.ReadAsStringAsync()).Contains("is not a", StringComparison.Ordinal);
            if (!oneAccepted || !rejectedMessage || servedGauge != (gauge == 200) || servedCounter != (counter == 200) || third != 400)
            {
                failures.Add($"round {round}: {outcome}");
            }
        }
        foreach (var (outcome, count) in outcomes)
        {
            output.WriteLine($"{count,3} of {rounds}{(groupsExist ? " (POST to existing groups)" : "")}: {outcome}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {rounds} rounds broke the rule:\n" + string.Join("\n", failures));
    }
}
