using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Selectors;
using ServerlessPush.Core.Storage;
using ServerlessPush.Storage.Tables;

namespace ServerlessPush.Benchmarks;

/// <summary>
/// `scrape-cpu`: the scrape path without storage. Groups are built in memory as the store would
/// return them; each step of a scrape is timed on its own (best of 3): decoding the stored payloads,
/// ScrapeService.CollectAsync (per-group gauges, duplicate check, merge and sort), the merge and sort
/// alone, and the text render.
/// </summary>
public static class ScrapeCpu
{
    public static string Run(int[] levels)
    {
        var table = new MarkdownTable("groups", "series", "decode payloads s", "CollectAsync s", "of which MergeAndSort s", "render text s", "allocated MiB (CollectAsync)",
            "RenderAsync + write, first s", "same, nothing changed s", "same, 1% of groups changed s");
        foreach (var groups in levels)
        {
            var now = DateTimeOffset.UtcNow;
            var payloads = new List<(GroupingKey Key, byte[] Bytes, string Encoding)>(groups);
            for (var i = 0; i < groups; i++)
            {
                var key = GroupingKey.ForJob(Workload.Job, ("instance", Workload.Instance(i)));
                var families = TextFormatParser.Parse(Workload.GroupBody);
                PushValidator.ValidateAndSanitise(key, families);
                var (bytes, encoding) = GroupPayloadCodec.Encode(families.Select(f => new PushedFamily(f, now)).ToList());
                payloads.Add((key, bytes, encoding));
            }
            List<MetricGroup> decoded = [];
            var decode = Best(() =>
            {
                decoded = payloads.Select(p => new MetricGroup(p.Key, GroupPayloadCodec.Decode(p.Bytes, p.Encoding), now, null)).ToList();
            });
            var scrape = new ScrapeService(new MemoryStore(decoded), Options.Create(new GatewayOptions()), TimeProvider.System, NullLogger<ScrapeService>.Instance);
            IReadOnlyList<MetricFamily> collected = [];
            long allocated = 0;
            var collect = Best(() =>
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                collected = scrape.CollectAsync().GetAwaiter().GetResult();
                allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            });
            var flat = decoded.SelectMany(g => g.Families.Select(f => f.Family).Concat(TimestampGauges.For(g))).ToList();
            var merge = Best(() => FamilyMerger.MergeAndSort(flat));
            var output = new ArrayBufferWriter<byte>(16 * 1024 * 1024);
            var render = Best(() =>
            {
                output.ResetWrittenCount();
                TextFormatWriter.Write(output, collected);
            });
            // The endpoint's path: lines kept per group (ScrapeRenderCache), the merge reused while no group changes.
            var text = new ScrapeVariant(ScrapeFormat.Text004, false, null);
            void RenderCached() => scrape.RenderAsync(GroupSelection.Everything, text).GetAwaiter().GetResult().WriteAsync(Stream.Null).GetAwaiter().GetResult();
            var clock = Stopwatch.StartNew();
            RenderCached();
            var firstCached = clock.Elapsed.TotalSeconds;
            var unchanged = Best(RenderCached);
            var changed = Best(() =>
            {
                // A new instance is what the scrape view holds for a group whose head changed.
                for (var i = 0; i < decoded.Count; i += 100)
                {
                    decoded[i] = decoded[i] with { };
                }
                RenderCached();
            });
            var series = collected.Sum(f => f.Metric.Count);
            table.Add(groups.ToString("N0", CultureInfo.InvariantCulture), series.ToString("N0", CultureInfo.InvariantCulture), decode, collect, merge, render, Units.MiB(allocated), firstCached, unchanged, changed);
            LoadBenchmark.Log($"scrape-cpu {groups}: decode {decode:0.000} s, collect {collect:0.000} s, merge {merge:0.000} s, render {render:0.000} s, cached first {firstCached:0.000} s, unchanged {unchanged:0.000} s, 1% changed {changed:0.000} s");
        }
        return "### The scrape's CPU work without storage (in memory, best of 3)\n\n" + table;
    }

    private static double Best(Action action)
    {
        var best = double.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    private sealed class MemoryStore(List<MetricGroup> groups) : IGroupStore
    {
        public async IAsyncEnumerable<MetricGroup> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            foreach (var group in groups)
            {
                yield return group;
            }
        }

        public Task<MetricGroup?> GetAsync(GroupingKey key, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task WriteAsync(GroupingKey key, GroupMutation mutation, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task WriteAsync(GroupingKey key, GroupMutation mutation, GroupPermit permit, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<GroupPermit> AcquirePermitAsync(GroupingKey key, GroupPermit? revoked = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<GroupState> ReadStateAsync(GroupingKey key, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task RevokePermitsAsync(IReadOnlyCollection<GroupPermit> permits, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task RecordFailureAsync(GroupingKey key, DateTimeOffset time, string reason, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task DeleteAsync(GroupingKey key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task DeleteManyAsync(IReadOnlyCollection<GroupingKey> keys, int maxConcurrentCalls, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public IAsyncEnumerable<GroupingKey> ListKeysAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public IAsyncEnumerable<ExpiryCandidate> ListExpiryCandidatesAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<bool> DeleteIfExpiredAsync(ExpiryCandidate candidate, DateTimeOffset now, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public IAsyncEnumerable<GroupingKey> ListKeysOfJobAsync(string job, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task CheckAvailableAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
