using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Storage;
using ServerlessPush.Testing;

namespace ServerlessPush.WebPage.Tests.Infrastructure;

public static class Pushes
{
    /// <summary>PUT a text-format body to <paramref name="path"/> (e.g. <c>/metrics/job/a</c>); asserts 200.</summary>
    public static async Task PutAsync(GatewayServer gateway, string path, string text)
    {
        using var content = new StringContent(text, Encoding.UTF8, "text/plain");
        content.Headers.ContentType!.CharSet = null;
        using var response = await gateway.Client.PutAsync(path, content);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// Writes <paramref name="count"/> groups straight into the gateway's store, in parallel (fast: no
    /// HTTP, no validation round trips). Group i: <c>job="load-{i % 50}"</c>, <c>instance="host-{i}"</c>,
    /// a gauge with two series and a counter.
    /// </summary>
    public static async Task WriteGroupsAsync(GatewayServer gateway, int count, int parallelism = 32)
    {
        var store = gateway.Services.GetRequiredService<IGroupStore>();
        var now = DateTimeOffset.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, ct) =>
        {
            var key = GroupingKey.ForJob($"load-{i % 50:D2}", ("instance", $"host-{i:D5}"));
            var text = $$"""
                # HELP load_queue_length Items waiting.
                # TYPE load_queue_length gauge
                load_queue_length{queue="a"} {{i}}
                load_queue_length{queue="b"} {{i * 2}}
                # TYPE load_runs_total counter
                load_runs_total {{i + 0.5}}

                """;
            var families = TextFormatParser.Parse(Encoding.UTF8.GetBytes(text));
            var error = PushValidator.ValidateAndSanitise(key, families);
            Assert.Null(error);
            var pushed = families.Select(f => new PushedFamily(f, now)).ToList();
            await store.WriteAsync(key, new ReplaceFamilies(pushed, now, null), ct);
        });
    }
}
