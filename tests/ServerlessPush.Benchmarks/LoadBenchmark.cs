using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Storage;
using ServerlessPush.LocalHost;
using ServerlessPush.Storage.Tables;
using ServerlessPush.Testing;

namespace ServerlessPush.Benchmarks;

public sealed class LoadOptions
{
    public int Clients { get; set; } = 8;
    public int FillClients { get; set; } = 16;
    /// <summary>Groups, spread over the store, that the steady-state PUT run pushes to (each PUT once first).</summary>
    public int PutWorkingSet { get; set; } = 100;
    public double PutSeconds { get; set; } = 10;
    public double WarmupSeconds { get; set; } = 2;
    public int[] PutLevels { get; set; } = [100, 1_000, 10_000, 100_000];
    public int[] ScrapeLevels { get; set; } = [100, 1_000, 10_000, 50_000, 100_000];
    /// <summary>Levels above this are measured on the reference only (to shorten a run).</summary>
    public int GatewayMaxGroups { get; set; } = 100_000;
    public int ScrapeRuns { get; set; } = 3;
    /// <summary>Series in the one large push, each size a push of its own (at the smallest PUT level).</summary>
    public int[] LargeSeries { get; set; } = [10_000, 100_000];
    /// <summary>Up to this many groups the gateway is filled over HTTP (type index and all); beyond, through its store.</summary>
    public int HttpFillLimit { get; set; } = 1_000;
    public string OutputDirectory { get; set; } = Path.Combine(RepoPaths.Root, "artifacts", "benchmarks");
}

/// <summary>
/// The end-to-end comparison: Azurite, the gateway's local host (separate process, Release) and the
/// reference Pushgateway on loopback, the same pushes and scrapes against both.
/// </summary>
public sealed class LoadBenchmark(LoadOptions options)
{
    private const string TableName = "bench";

    private readonly MarkdownTable _put = new("groups stored", "server", "PUT p50 ms", "PUT p99 ms", "pushes/s", "pushes", "errors", "first PUT to each working-set group: p50 ms (ok of sent), ServerlessPush only", "sequential PUT to new groups: p50 ms (count)");
    private readonly MarkdownTable _scrape = new("groups stored", "series", "server", "scrape median s", "scrape min s", "body MiB", "RSS before MiB", "peak RSS MiB");
    private readonly MarkdownTable _breakdown = new("groups stored", "entities", "storage requests", "raw table query s", "ReadAllAsync s", "first ReadAllAsync, fresh instance s", "CollectAsync s", "render text s", "rendered MiB", "bench process alloc MiB (CollectAsync)");
    private readonly MarkdownTable _azurite = new("groups stored", "upsert p50 ms, 1 client", "upsert p50 ms, 8 clients", "upsert p99 ms, 8 clients", "partition query p50 ms, 8 clients");
    private readonly MarkdownTable _large = new("series", "server", "groups stored", "push s", "status", "DELETE ms", "RSS before MiB", "peak RSS MiB");
    private readonly MarkdownTable _fill = new("server", "groups", "how", "seconds", "groups/s");
    private readonly MarkdownTable _sweep = new("groups stored", "of which expired", "due index entries", "deleted", "storage requests", "sweep s", "second sweep: requests");
    private readonly StringBuilder _errors = new();
    private readonly RatioSummary _summary = new();

    public async Task<string> RunAsync()
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(options.OutputDirectory);
        var referenceFile = Path.Combine(Path.GetTempPath(), $"serverlesspush-bench-{Environment.ProcessId}.pushgateway");
        File.Delete(referenceFile);
        var maxGroups = options.PutLevels.Concat(options.ScrapeLevels).Max();

        Log($"Starting Azurite, the gateway (separate process) and an in-process gateway over the same table");
        await using var azurite = await AzuriteServer.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Gateway__Tables__TableName"] = TableName,
            // The default 5 s deadline answers 503 to a 100,000-series push or a first 10,000-group read on a machine this busy.
            ["Gateway__RequestDeadline"] = "00:01:00",
        });
        await using var probe = await InProcessGateway.StartAsync(azurite, TableName);
        ReferenceProcess? reference = null;
        try
        {
            var levels = options.PutLevels.Concat(options.ScrapeLevels).Distinct().Order().ToList();
            var stored = 0;
            var referenceStored = 0;
            foreach (var level in levels)
            {
                var withGateway = level <= options.GatewayMaxGroups;
                // Fill both to `level` groups.
                if (withGateway)
                {
                    await FillGatewayAsync(gateway, probe, stored, level);
                    stored = level;
                }
                if (reference is not null)
                {
                    await reference.DisposeAsync();
                }
                reference = await FillReferenceAsync(referenceFile, referenceStored, level);
                referenceStored = level;

                if (options.PutLevels.Contains(level) && withGateway)
                {
                    await AzuriteBaselineAsync(probe, level);
                    await PutLevelAsync("ServerlessPush", gateway.BaseAddress, level, firstPuts: true);
                    await PutLevelAsync("Pushgateway 1.5.1", reference.BaseAddress, level, firstPuts: false);
                }
                if (level == options.PutLevels.Min())
                {
                    foreach (var series in options.LargeSeries)
                    {
                        await LargePushAsync("ServerlessPush", gateway.BaseAddress, gateway.ProcessId, level, series);
                        await LargePushAsync("Pushgateway 1.5.1", reference.BaseAddress, reference.ProcessId, level, series);
                    }
                }
                if (options.ScrapeLevels.Contains(level))
                {
                    if (withGateway)
                    {
                        await ScrapeLevelAsync("ServerlessPush", gateway.BaseAddress, gateway.ProcessId, level);
                    }
                    else
                    {
                        _scrape.Add(level.ToString("N0", CultureInfo.InvariantCulture), null, "ServerlessPush", "not measured: above --gateway-max-groups", null, null, null, null);
                    }
                    await ScrapeLevelAsync("Pushgateway 1.5.1", reference.BaseAddress, reference.ProcessId, level);
                    if (withGateway)
                    {
                        await ScrapeBreakdownAsync(probe, level);
                    }
                }
                if (level == 10_000)
                {
                    await SweepAsync(probe, level);
                }
                Log($"Level {level} done at {clock.Elapsed.TotalSeconds:0} s");
                await WriteReportAsync("", clock, partial: true);
            }
        }
        catch (Exception e)
        {
            Log($"Load run failed: {e}");
            _errors.Append("- ").Append(e.GetType().Name).Append(": ").Append(e.Message.Split('\n')[0]).Append('\n');
        }
        finally
        {
            if (reference is not null)
            {
                await reference.DisposeAsync();
            }
            File.Delete(referenceFile);
        }

        Log("Counting storage requests per operation (in-process gateway, own table, fake clock)");
        var counts = "";
        try
        {
            counts = await StorageCounts.RunAsync(azurite, options.LargeSeries.Min());
        }
        catch (Exception e)
        {
            Log($"Storage counts failed: {e}");
            _errors.Append("- storage counts: ").Append(e.GetType().Name).Append(": ").Append(e.Message.Split('\n')[0]).Append('\n');
        }

        return await WriteReportAsync(counts, clock, partial: false);
    }

    private async Task<string> WriteReportAsync(string counts, Stopwatch clock, bool partial)
    {
        var report = new StringBuilder();
        report.Append("**Summary** (ServerlessPush / reference; PUT also / one Azurite upsert at the same concurrency and size): ")
            .Append(_summary).Append("\n\n");
        report.Append("### PUT latency and throughput, ").Append(options.Clients).Append(" concurrent clients, ")
            .Append(options.PutSeconds.ToString(CultureInfo.InvariantCulture)).Append(" s per row\n\n").Append(_put).Append('\n');
        report.Append("### Scrape (GET /metrics, text format, whole body read)\n\n").Append(_scrape).Append('\n');
        report.Append("### Where the gateway's scrape time goes (in-process, same table)\n\n").Append(_breakdown).Append('\n');
        report.Append("### One large push (PUT, then DELETE)\n\n").Append(_large).Append('\n');
        report.Append("### Azurite alone (TableClient, ~1 KiB entity, same table)\n\n").Append(_azurite).Append('\n');
        report.Append(counts);
        report.Append("### Expiry sweep (in-process, same table as the load)\n\n").Append(_sweep).Append('\n');
        report.Append("### Filling\n\n").Append(_fill).Append('\n');
        if (_errors.Length > 0)
        {
            report.Append("### Errors\n\n").Append(_errors).Append('\n');
        }
        report.Append(CultureInfo.InvariantCulture, $"Load run took {clock.Elapsed.TotalMinutes:0.0} min{(partial ? " so far (partial report)" : "")}.\n");
        var text = report.ToString();
        var path = Path.Combine(options.OutputDirectory, "load.md");
        await File.WriteAllTextAsync(path, text);
        Log($"Wrote {path}");
        return text;
    }

    private async Task FillGatewayAsync(GatewayProcess gateway, InProcessGateway probe, int from, int to)
    {
        if (to <= from)
        {
            return;
        }
        var httpTo = Math.Min(to, Math.Max(from, options.HttpFillLimit));
        var clock = Stopwatch.StartNew();
        if (httpTo > from)
        {
            var errors = 0;
            await Parallel.ForEachAsync(Enumerable.Range(from, httpTo - from), new ParallelOptions { MaxDegreeOfParallelism = options.FillClients }, async (i, _) =>
            {
                var (status, _, error) = await Http.PushAsync(gateway.BaseAddress, HttpMethod.Put, Workload.GroupPath(i), Workload.GroupBody);
                // A busy machine makes some fill pushes miss their deadline (503): those groups are pushed again.
                for (var retry = 0; status >= 300 && retry < 5; retry++)
                {
                    var again = await Http.PushAsync(gateway.BaseAddress, HttpMethod.Put, Workload.GroupPath(i), Workload.GroupBody);
                    (status, error) = (again.Status, again.Error);
                }
                if (status >= 300 && Interlocked.Increment(ref errors) == 1)
                {
                    Log($"  fill error {status}: {error}");
                }
            });
            _fill.Add("ServerlessPush", $"{from}→{httpTo}", $"HTTP PUT, {options.FillClients} clients", clock.Elapsed.TotalSeconds, (httpTo - from) / clock.Elapsed.TotalSeconds);
            Log($"  gateway filled {from}→{httpTo} over HTTP in {clock.Elapsed.TotalSeconds:0.0} s ({errors} errors)");
        }
        if (to > httpTo)
        {
            clock.Restart();
            await probe.FillThroughStoreAsync(httpTo, to, 16);
            _fill.Add("ServerlessPush", $"{httpTo}→{to}", "IGroupStore.WriteAsync (one upsert each), 16 in parallel", clock.Elapsed.TotalSeconds, (to - httpTo) / clock.Elapsed.TotalSeconds);
            Log($"  gateway filled {httpTo}→{to} through the store in {clock.Elapsed.TotalSeconds:0.0} s");
        }
    }

    private async Task<ReferenceProcess> FillReferenceAsync(string file, int from, int to)
    {
        if (to > from)
        {
            var clock = Stopwatch.StartNew();
            var filler = await ReferenceProcess.StartAsync(file, consistencyCheck: false);
            var errors = 0;
            await Parallel.ForEachAsync(Enumerable.Range(from, to - from), new ParallelOptions { MaxDegreeOfParallelism = options.FillClients }, async (i, _) =>
            {
                var (status, _, error) = await Http.PushAsync(filler.BaseAddress, HttpMethod.Put, Workload.GroupPath(i), Workload.GroupBody);
                if (status >= 300 && Interlocked.Increment(ref errors) == 1)
                {
                    Log($"  reference fill error {status}: {error}");
                }
            });
            await filler.TerminateGracefullyAsync();
            _fill.Add("Pushgateway 1.5.1", $"{from}→{to}", "HTTP PUT to a filler with --push.disable-consistency-check, persisted on SIGTERM, loaded by the measured instance", clock.Elapsed.TotalSeconds, (to - from) / clock.Elapsed.TotalSeconds);
            Log($"  reference filled {from}→{to} in {clock.Elapsed.TotalSeconds:0.0} s ({errors} errors); file {new FileInfo(file).Length / 1024} KiB");
        }
        var started = Stopwatch.StartNew();
        var measured = await ReferenceProcess.StartAsync(file, consistencyCheck: true);
        Log($"  reference (consistency check on) started with {to} groups in {started.Elapsed.TotalSeconds:0.0} s");
        return measured;
    }

    /// <summary>
    /// PUT at one store size: first one PUT to each group of a working set spread over the store (for the
    /// gateway the first push of that group on this instance, unless the HTTP fill pushed it), then the
    /// steady state: <see cref="LoadOptions.Clients"/> clients PUT to working-set groups picked at random.
    /// </summary>
    private async Task PutLevelAsync(string server, Uri baseAddress, int groups, bool firstPuts)
    {
        Log($"  PUT {server} with {groups} groups stored");
        var workingSet = Enumerable.Range(0, Math.Min(groups, options.PutWorkingSet)).Select(k => (int)((long)k * groups / Math.Min(groups, options.PutWorkingSet))).ToArray();
        var first = new List<double>();
        // The reference has nothing per group to set up (and a PUT to it at 100,000 groups takes tens of seconds).
        await Parallel.ForEachAsync(firstPuts ? workingSet : [], new ParallelOptions { MaxDegreeOfParallelism = options.Clients }, async (i, _) =>
        {
            var (status, ms, _) = await Http.PushAsync(baseAddress, HttpMethod.Put, Workload.GroupPath(i), Workload.GroupBody);
            if (status < 300)
            {
                lock (first)
                {
                    first.Add(ms);
                }
            }
        });
        await PutRunAsync(baseAddress, workingSet, TimeSpan.FromSeconds(options.WarmupSeconds));
        var run = await PutRunAsync(baseAddress, workingSet, TimeSpan.FromSeconds(options.PutSeconds));
        var firstText = $"{P50Text(first)} ({first.Count} of {workingSet.Length})";
        var fresh = await NewGroupPutsAsync(baseAddress, groups, server == "ServerlessPush");
        var freshText = $"{P50Text(fresh)} ({fresh.Count})";
        _put.Add(groups.ToString("N0", CultureInfo.InvariantCulture), server, run.P50, run.P99, run.PerSecond, run.All.Count, run.Errors, firstText, freshText);
        _summary.Put(groups, server == "ServerlessPush", run.All.Count > 0 ? run.P50 : null);
        _summary.NewGroupPut(groups, server == "ServerlessPush", fresh.Count > 0 ? LatencyRun.Percentile(fresh, 50) : null);
        Log($"    first PUTs p50 {firstText}; steady p50 {run.P50:0.00} ms, p99 {run.P99:0.00} ms, {run.PerSecond:0} /s, {run.All.Count} pushes, {run.Errors} errors {run.FirstError}; new groups, one at a time, p50 {freshText}");
    }

    /// <summary>
    /// One client PUTs to groups that do not exist yet (a batch job's first push: for the gateway a new
    /// permit, the names registered for the group and checked), then deletes them, so the store keeps its
    /// size. The reference's PUT at 10,000 groups and more takes seconds each: fewer of them there.
    /// </summary>
    private async Task<List<double>> NewGroupPutsAsync(Uri baseAddress, int groups, bool ours)
    {
        var count = ours || groups < 10_000 ? 50 : 3;
        var times = new List<double>();
        for (var k = 0; k < count; k++)
        {
            var path = $"/metrics/job/bench/instance/new-{groups}-{k}";
            var (status, ms, _) = await Http.PushAsync(baseAddress, HttpMethod.Put, path, Workload.GroupBody);
            if (status < 300)
            {
                times.Add(ms);
            }
        }
        for (var k = 0; k < count; k++)
        {
            await Http.DeleteAsync(baseAddress, $"/metrics/job/bench/instance/new-{groups}-{k}");
        }
        return times;
    }

    private static string P50Text(List<double> values) =>
        values.Count == 0 ? "–" : LatencyRun.Percentile(values, 50).ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary><see cref="LoadOptions.Clients"/> clients PUT the workload body to groups of the working set picked at random until the time is up.</summary>
    private async Task<LatencyRun> PutRunAsync(Uri baseAddress, int[] workingSet, TimeSpan duration)
    {
        var run = new LatencyRun();
        var gate = new Lock();
        var clock = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, options.Clients).Select(c => Task.Run(async () =>
        {
            var random = new Random(c * 7919 + workingSet.Length);
            while (clock.Elapsed < duration)
            {
                var i = workingSet[random.Next(workingSet.Length)];
                var (status, ms, error) = await Http.PushAsync(baseAddress, HttpMethod.Put, Workload.GroupPath(i), Workload.GroupBody);
                lock (gate)
                {
                    if (status >= 300)
                    {
                        run.Errors++;
                        run.FirstError ??= $"{status}: {error}";
                        continue;
                    }
                    run.All.Add(ms);
                }
            }
        })).ToList();
        await Task.WhenAll(tasks);
        run.Elapsed = clock.Elapsed;
        return run;
    }

    private async Task LargePushAsync(string server, Uri baseAddress, int pid, int groups, int series)
    {
        var body = Workload.LargeBody(series);
        ProcessMemory.ResetPeak(pid);
        var before = ProcessMemory.Read(pid);
        Log($"  {series} series push to {server} ({body.Length / 1024} KiB)");
        var (status, ms, error) = await Http.PushAsync(baseAddress, HttpMethod.Put, "/metrics/job/bench_large", body);
        var after = ProcessMemory.Read(pid);
        var (deleteStatus, deleteMs) = await Http.DeleteAsync(baseAddress, "/metrics/job/bench_large");
        _large.Add(series.ToString("N0", CultureInfo.InvariantCulture), server, groups, ms / 1000, status, deleteMs, Units.MiB(before.Rss), Units.MiB(after.Peak));
        _summary.LargePush(series, server == "ServerlessPush", status < 300 ? ms : null);
        Log($"    {ms / 1000:0.00} s, status {status} {error}; DELETE {deleteStatus} in {deleteMs:0} ms");
    }

    private async Task ScrapeLevelAsync(string server, Uri baseAddress, int pid, int groups)
    {
        Log($"  scrape {server} with {groups} groups stored");
        var (rss, _) = ProcessMemory.Read(pid);
        ProcessMemory.ResetPeak(pid);
        // A first read of a large store can outlast one request's deadline (503); it goes on, and a later scrape gets it.
        (double Seconds, long Bytes, long Lines) warm = default;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                warm = await Http.ScrapeAsync(baseAddress);
                break;
            }
            catch (HttpRequestException e) when (attempt < 20)
            {
                Log($"    unmeasured scrape failed ({e.Message}); again");
            }
        }
        var runs = new List<double>();
        var runsWanted = groups >= 50_000 ? Math.Min(2, options.ScrapeRuns) : options.ScrapeRuns;
        for (var r = 0; r < runsWanted; r++)
        {
            runs.Add((await Http.ScrapeAsync(baseAddress)).Seconds);
        }
        var (_, peak) = ProcessMemory.Read(pid);
        _scrape.Add(groups.ToString("N0", CultureInfo.InvariantCulture), warm.Lines.ToString("N0", CultureInfo.InvariantCulture), server,
            LatencyRun.Percentile(runs, 50), runs.Min(), Units.MiB(warm.Bytes), Units.MiB(rss), Units.MiB(peak));
        _summary.Scrape(groups, server == "ServerlessPush", LatencyRun.Percentile(runs, 50), peak / (double)Math.Max(1, warm.Lines));
        Log($"    first {warm.Seconds:0.00} s, runs [{string.Join(", ", runs.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}] s, {warm.Bytes / 1024} KiB, peak {Units.MiB(peak):0} MiB");
    }

    private async Task ScrapeBreakdownAsync(InProcessGateway probe, int groups)
    {
        var counter = probe.Counter;
        var table = probe.Table;

        var clock = Stopwatch.StartNew();
        var entities = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey ge {TableKeys.GroupPrefix} and PartitionKey lt {TableKeys.GroupRangeEnd}"), maxPerPage: 1000))
        {
            entities++;
        }
        var raw = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var read = 0;
        await foreach (var _ in probe.Store.ReadAllAsync())
        {
            read++;
        }
        var readAll = clock.Elapsed.TotalSeconds;

        // A fresh instance: a store of its own over the same table, nothing loaded yet.
        var fresh = new TableGroupStore(table, new TableStorageOptions(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<TableGroupStore>.Instance);
        clock.Restart();
        await foreach (var _ in fresh.ReadAllAsync())
        {
        }
        var firstRead = clock.Elapsed.TotalSeconds;
        _summary.FirstScrape(groups, firstRead);

        counter.Reset();
        var allocated = GC.GetTotalAllocatedBytes(precise: false);
        clock.Restart();
        var families = await probe.Scrape.CollectAsync();
        var collect = clock.Elapsed.TotalSeconds;
        var requests = counter.Count;
        allocated = GC.GetTotalAllocatedBytes(precise: false) - allocated;

        clock.Restart();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024 * 1024);
        TextFormatWriter.Write(buffer, families);
        var render = clock.Elapsed.TotalSeconds;

        _breakdown.Add(groups.ToString("N0", CultureInfo.InvariantCulture), entities, requests, raw, readAll, firstRead, collect, render, Units.MiB(buffer.WrittenCount), Units.MiB(allocated));
        Log($"    breakdown: {entities} entities, {requests} requests, raw {raw:0.00} s, ReadAll {readAll:0.00} s ({read} groups), fresh first ReadAll {firstRead:0.00} s, Collect {collect:0.00} s, render {render:0.00} s");
    }

    /// <summary>
    /// 100 more groups with a 2-second TTL beside the stored ones; once they have expired, one sweep
    /// (the gateway's <see cref="ExpirySweeper"/>) removes them; then a second sweep with nothing due.
    /// </summary>
    private async Task SweepAsync(InProcessGateway probe, int groups)
    {
        const int expiring = 100;
        await probe.FillThroughStoreAsync(1_000_000, 1_000_000 + expiring, options.FillClients, _ => TimeSpan.FromSeconds(2));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var sweeper = probe.Services.GetRequiredService<ExpirySweeper>();
        probe.Counter.Reset();
        var clock = Stopwatch.StartNew();
        var result = await sweeper.SweepAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        var requests = probe.Counter.Reset();
        await sweeper.SweepAsync();
        var again = probe.Counter.Reset();
        _sweep.Add((groups + expiring).ToString("N0", CultureInfo.InvariantCulture), expiring, result.Candidates, result.Deleted, requests, seconds, again);
        Log($"  sweep: {result.Deleted} deleted of {result.Candidates} due, {requests} requests, {seconds:0.00} s; again: {again} requests");
    }

    private async Task AzuriteBaselineAsync(InProcessGateway probe, int groups)
    {
        var table = probe.Table;
        var payload = new byte[1024];
        Random.Shared.NextBytes(payload);
        async Task<List<double>> UpsertsAsync(int clients, TimeSpan duration)
        {
            var all = new List<double>();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
            {
                var n = 0;
                while (clock.Elapsed < duration)
                {
                    var entity = new TableEntity($"zbaseline{c}-{n++ % 50}", "head") { ["D0"] = payload, ["PushTicks"] = DateTime.UtcNow.Ticks };
                    var started = Stopwatch.GetTimestamp();
                    await table.UpsertEntityAsync(entity, TableUpdateMode.Replace);
                    var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    lock (all)
                    {
                        all.Add(ms);
                    }
                }
            })));
            return all;
        }
        async Task<List<double>> QueriesAsync(int clients, TimeSpan duration)
        {
            var all = new List<double>();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
            {
                var n = 0;
                while (clock.Elapsed < duration)
                {
                    var pk = $"zbaseline{c}-{n++ % 50}";
                    var started = Stopwatch.GetTimestamp();
                    await foreach (var _ in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk}")))
                    {
                    }
                    var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    lock (all)
                    {
                        all.Add(ms);
                    }
                }
            })));
            return all;
        }
        await UpsertsAsync(options.Clients, TimeSpan.FromSeconds(1)); // warm-up, and creates the rows read below
        var sequential = await UpsertsAsync(1, TimeSpan.FromSeconds(2));
        var concurrent = await UpsertsAsync(options.Clients, TimeSpan.FromSeconds(3));
        var queries = await QueriesAsync(options.Clients, TimeSpan.FromSeconds(3));
        _summary.Floor(groups, LatencyRun.Percentile(concurrent, 50));
        _azurite.Add(groups.ToString("N0", CultureInfo.InvariantCulture), LatencyRun.Percentile(sequential, 50), LatencyRun.Percentile(concurrent, 50),
            LatencyRun.Percentile(concurrent, 99), LatencyRun.Percentile(queries, 50));
        Log($"  Azurite alone: upsert p50 {LatencyRun.Percentile(sequential, 50):0.00} ms sequential, {LatencyRun.Percentile(concurrent, 50):0.00} ms at {options.Clients}; query p50 {LatencyRun.Percentile(queries, 50):0.00} ms");
    }

    internal static void Log(string message) =>
        Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}

/// <summary>The local host in this process over the given table: its store, scrape service and request counter.</summary>
public sealed class InProcessGateway : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessGateway(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }
    public IServiceProvider Services => _app.Services;
    public StorageRequestCounter Counter => Services.GetRequiredService<StorageRequestCounter>();
    public TableClient Table => Services.GetRequiredService<TableClient>();
    public IGroupStore Store => Services.GetRequiredService<IGroupStore>();
    public ScrapeService Scrape => Services.GetRequiredService<ScrapeService>();

    public static async Task<InProcessGateway> StartAsync(AzuriteServer azurite, string tableName, IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var port = FreePort.Get();
        var values = new Dictionary<string, string?>
        {
            ["Gateway:Tables:ConnectionString"] = azurite.ConnectionString,
            ["Gateway:Tables:TableName"] = tableName,
            ["Gateway:Tables:CreateTableIfMissing"] = "true",
            ["Gateway:Access:AllowAnonymous"] = "true",
            ["Gateway:Expiry:Schedule"] = "0 0 0 1 1 *",
            ["Gateway:RequestDeadline"] = "00:01:00",
            ["Logging:LogLevel:Default"] = "Warning",
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
        await app.StartAsync();
        var gateway = new InProcessGateway(app, new Uri($"http://127.0.0.1:{port}/"));
        await gateway.Table.CreateIfNotExistsAsync();
        return gateway;
    }

    /// <summary>Writes groups [from, to) of the workload straight through the store (one upsert each), as a PUT would store them.</summary>
    public async Task FillThroughStoreAsync(int from, int to, int parallelism, Func<int, TimeSpan?>? ttl = null, DateTimeOffset? now = null)
    {
        var store = Store;
        var time = now ?? DateTimeOffset.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(from, to - from), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, ct) =>
        {
            var key = GroupingKey.ForJob(Workload.Job, ("instance", Workload.Instance(i)));
            var families = TextFormatParser.Parse(Workload.GroupBody);
            var error = PushValidator.ValidateAndSanitise(key, families);
            if (error is not null)
            {
                throw new InvalidOperationException(error);
            }
            var pushed = families.Select(f => new PushedFamily(f, time)).ToList();
            await store.WriteAsync(key, new ReplaceFamilies(pushed, time, ttl?.Invoke(i)), ct);
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
