using System.Globalization;
using System.Text;

namespace ServerlessPush.Benchmarks;

/// <summary>The pushes both gateways get: the same bodies, the same paths.</summary>
public static class Workload
{
    public const string Job = "bench";

    /// <summary>Group <paramref name="i"/>: <c>/metrics/job/bench/instance/i&lt;i&gt;</c>.</summary>
    public static string GroupPath(int i) => "/metrics/job/" + Job + "/instance/i" + i.ToString("D6", CultureInfo.InvariantCulture);

    public static string Instance(int i) => "i" + i.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>
    /// 10 series in two families, as a batch job might push: a counter and a gauge with 5 stages each.
    /// </summary>
    public static readonly byte[] GroupBody = Encoding.UTF8.GetBytes(BuildGroupBody());

    private static string BuildGroupBody()
    {
        var sb = new StringBuilder();
        sb.Append("# HELP bench_items_processed_total Items processed by the batch job.\n");
        sb.Append("# TYPE bench_items_processed_total counter\n");
        for (var s = 0; s < 5; s++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"bench_items_processed_total{{stage=\"s{s}\"}} {1000 + s * 17}\n");
        }
        sb.Append("# HELP bench_stage_duration_seconds Duration of the last run of each stage.\n");
        sb.Append("# TYPE bench_stage_duration_seconds gauge\n");
        for (var s = 0; s < 5; s++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"bench_stage_duration_seconds{{stage=\"s{s}\"}} {1.25 + s * 0.5}\n");
        }
        return sb.ToString();
    }

    /// <summary>One push of <paramref name="series"/> series: 100 gauge families of series/100 series each.</summary>
    public static byte[] LargeBody(int series)
    {
        var sb = new StringBuilder(series * 60);
        const int families = 100;
        var perFamily = series / families;
        for (var f = 0; f < families; f++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"# TYPE bench_large_{f:D3} gauge\n");
            for (var s = 0; s < perFamily; s++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"bench_large_{f:D3}{{shard=\"{s}\",zone=\"z{s % 7}\"}} {s * 0.5}\n");
            }
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>
    /// A scrape-like text exposition of <paramref name="series"/> series for the parser benchmarks:
    /// families of 10 series with HELP and TYPE, counters and gauges alternating, three labels each.
    /// </summary>
    public static byte[] ExpositionText(int series)
    {
        var sb = new StringBuilder(series * 90);
        for (var f = 0; f < series / 10; f++)
        {
            var counter = f % 2 == 0;
            var name = counter ? $"app_requests_{f:D5}_total" : $"app_queue_depth_{f:D5}";
            sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} Help text of family {f}.\n");
            sb.Append(CultureInfo.InvariantCulture, $"# TYPE {name} {(counter ? "counter" : "gauge")}\n");
            for (var s = 0; s < 10; s++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{name}{{code=\"{200 + s}\",method=\"GET\",path=\"/api/v1/items/{s}\"}} {f * 10 + s + 0.25}\n");
            }
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
