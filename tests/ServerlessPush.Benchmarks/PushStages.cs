using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics.Storage;
using ServerlessPush.Core.Model;
using ServerlessPush.Storage.Tables;
using ServerlessPush.Testing;

namespace ServerlessPush.Benchmarks;

/// <summary>
/// `push-stages`: where the time of one large push goes. The CPU steps in process, each on its own
/// (best of 7, or 3 at 100,000 series; the sibling-key step repeats PushService's loop, which is
/// private), then PushService.PushAsync over Azurite for a new group, the same group again, and
/// IGroupStore.WriteAsync alone (PUSHSTAGES_ROUNDS rounds, default 3). Workstation GC, unlike the
/// local host: GC shows more here than in the gateway.
/// </summary>
public static class PushStages
{
    public static async Task<string> RunAsync(int[] sizes)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var n in sizes)
        {
            var body = Workload.LargeBody(n);
            var key = GroupingKey.ForJob("bench_large");
            var limits = new PushLimits();
            var runs = n >= 100_000 ? 3 : 7;
            sb.Append(CultureInfo.InvariantCulture, $"## {n} series, {body.Length / 1024} KiB\n");
            T("parse", () => TextFormatParser.Parse(body, limits.ParserSeriesLimit));
            var fams = TextFormatParser.Parse(body);
            T("limits", () => PushLimitChecker.CheckFamilies(fams, limits));
            T("validate", () => PushValidator.ValidateAndSanitise(key, TextFormatParser.Parse(body)), () => T0(() => TextFormatParser.Parse(body)));
            PushValidator.ValidateAndSanitise(key, fams);
            T("sibling keys (distinct instances)", () =>
            {
                var instances = new HashSet<string>(StringComparer.Ordinal);
                foreach (var metric in fams.SelectMany(f => f.Metric))
                {
                    instances.Add(metric.Label.FirstOrDefault(l => l.Name == GroupingKey.InstanceLabel)?.Value ?? string.Empty);
                }
                var siblings = instances.Select(i => key.With(GroupingKey.InstanceLabel, i)).ToHashSet();
            });
            var now = DateTimeOffset.UtcNow;
            var pushed = fams.Select(f => new PushedFamily(f, now)).ToList();
            T("encode (pb+zlib)", () => GroupPayloadCodec.Encode(pushed));
            var payload = new GroupPayload();
            foreach (var f in pushed)
            {
                payload.Families.Add(new FamilyEntry { Family = f.Family, PushedAtTicks = f.PushedAt.UtcTicks });
            }
            byte[] raw = [];
            T("  of which protobuf", () => raw = payload.ToByteArray());
            foreach (var level in new[] { CompressionLevel.Fastest, CompressionLevel.Optimal })
            {
                var size = 0L;
                T($"  of which zlib {level}", () =>
                {
                    using var output = new MemoryStream(raw.Length / 3);
                    using (var zlib = new ZLibStream(output, level, leaveOpen: true))
                    {
                        zlib.Write(raw);
                    }
                    size = output.Length;
                });
                sb.Append(CultureInfo.InvariantCulture, $"    raw {raw.Length / 1024} KiB -> {size / 1024} KiB\n");
            }
            var (bytes, _) = GroupPayloadCodec.Encode(pushed);
            T("decode", () => GroupPayloadCodec.Decode(bytes, GroupPayloadCodec.Zlib));

            void T(string what, Action a, Func<double>? minus = null)
            {
                var best = double.MaxValue;
                for (var i = 0; i < runs; i++)
                {
                    var s = Stopwatch.StartNew();
                    a();
                    best = Math.Min(best, s.Elapsed.TotalMilliseconds);
                }
                var m = minus?.Invoke() ?? 0;
                sb.Append(CultureInfo.InvariantCulture, $"  {what}: {best - m:0.0} ms\n");
            }
            double T0(Action a)
            {
                var best = double.MaxValue;
                for (var i = 0; i < runs; i++)
                {
                    var s = Stopwatch.StartNew();
                    a();
                    best = Math.Min(best, s.Elapsed.TotalMilliseconds);
                }
                return best;
            }
        }

        Console.Error.WriteLine(sb.ToString());
        await using var azurite = await AzuriteServer.StartAsync();
        await using var gateway = await InProcessGateway.StartAsync(azurite, "pushstages");
        var pushes = gateway.Services.GetRequiredService<PushService>();
        var store = gateway.Store;
        // warm up
        for (var w = 0; w < 2; w++)
        {
            var k = GroupingKey.ForJob("warm" + w);
            await pushes.PushAsync(k, TextFormatParser.Parse(Workload.LargeBody(1000)), PushMode.Replace);
        }
        foreach (var n in sizes)
        {
            var body = Workload.LargeBody(n);
            for (var round = 0; round < (Environment.GetEnvironmentVariable("PUSHSTAGES_ROUNDS") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 3); round++)
            {
                var key = GroupingKey.ForJob($"bench_large_{n}_{round}");
                var fams = TextFormatParser.Parse(body);
                var before = gateway.Counter.Count;
                var s = Stopwatch.StartNew();
                var outcome = await pushes.PushAsync(key, fams, PushMode.Replace);
                var first = s.Elapsed.TotalMilliseconds;
                var reqs = gateway.Counter.Count - before;
                fams = TextFormatParser.Parse(body);
                s.Restart();
                await pushes.PushAsync(key, fams, PushMode.Replace);
                var again = s.Elapsed.TotalMilliseconds;
                fams = TextFormatParser.Parse(body);
                PushValidator.ValidateAndSanitise(key, fams);
                var now = DateTimeOffset.UtcNow;
                var pushed = fams.Select(f => new PushedFamily(f, now)).ToList();
                s.Restart();
                await store.WriteAsync(key, new ReplaceFamilies(pushed, now, null));
                var write = s.Elapsed.TotalMilliseconds;
                var line = $"{n} series round {round}: PushAsync new group {first:0} ms ({reqs} requests, {outcome.Accepted}), again {again:0} ms, store.WriteAsync alone {write:0} ms; uptime {Machine.LoadAverage()}\n";
                sb.Append(line);
                Console.Error.Write(line);
                await pushes.DeleteAsync(key);
            }
        }
        return sb.ToString();
    }
}
