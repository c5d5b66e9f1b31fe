using System.Reflection;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Telemetry;

/// <summary>
/// The gateway's own series in <c>/metrics</c> (<see cref="Gateway.ScrapeOptions.SelfMetrics"/>): only
/// what every instance answers alike, since any instance may answer a scrape. Counters of one instance
/// (requests, rejections, storage calls) would jump between scrapes and go to OpenTelemetry instead.
/// </summary>
public static class SelfMetrics
{
    public const string BuildInfoName = "serverlesspush_build_info";
    public const string GroupsName = "serverlesspush_groups";

    public static string Version { get; } =
        typeof(SelfMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Both families, sorted by name as the scrape is.</summary>
    public static MetricFamily[] For(int groups) =>
    [
        Gauge(BuildInfoName, "A metric with a constant '1' value labeled by the ServerlessPush version and the .NET version it runs on.", 1,
            ("dotnetversion", Environment.Version.ToString()), ("version", Version)),
        Gauge(GroupsName, "Live groups in storage (the same on every instance).", groups),
    ];

    private static MetricFamily Gauge(string name, string help, double value, params (string Name, string Value)[] labels)
    {
        var metric = new Metric { Gauge = new Metrics.Gauge { Value = value } };
        foreach (var (labelName, labelValue) in labels)
        {
            metric.Label.Add(new LabelPair { Name = labelName, Value = labelValue });
        }
        var family = new MetricFamily { Name = name, Help = help, Type = MetricType.Gauge };
        family.Metric.Add(metric);
        return family;
    }
}
