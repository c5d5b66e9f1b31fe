using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Tests.Exposition;

/// <summary>
/// Families used for the golden tests. They were serialised with <c>ProtobufDelimited.Write</c>,
/// pushed with curl to the reference Pushgateway 1.5.1 (PUT /metrics/job/golden/instance/i1 and
/// PUT /metrics/job/golden2), and the reference's GET /metrics and GET /api/v1/metrics were
/// captured. Labels are given already sanitised (sorted, with job and instance), as the store
/// keeps them, so the reference did not change them.
/// </summary>
internal static class GoldenFixture
{
    public static List<MetricFamily> Group1() =>
    [
        Family("c_total", MetricType.Counter, "Counts \\ things\nover lines \"quoted\"",
            Series(m => m.Counter = new Counter { Value = 2 }, ("a", "2"), ("instance", "i1"), ("job", "golden")),
            Series(m => m.Counter = new Counter { Value = 1e21 }, ("a", "1"), ("instance", "i1"), ("job", "golden")),
            Series(m => m.Counter = new Counter { Value = 0.0001 }, ("instance", "i1"), ("job", "golden"))),
        Family("g", MetricType.Gauge, null,
            Series(m => m.Gauge = new Gauge { Value = -0.0 }, ("instance", "i1"), ("job", "golden"), ("v", "q\"b\\n\nx")),
            Series(m => m.Gauge = new Gauge { Value = 1e6 }, ("instance", "i1"), ("job", "golden"), ("v", "<a&b> ü 😀")),
            Series(m => m.Gauge = new Gauge { Value = double.NaN }, ("instance", "i1"), ("job", "golden"), ("v", "nan"))),
        Family("u", MetricType.Untyped, "",
            Series(m => m.Untyped = new Untyped { Value = 123456789 }, ("instance", "i1"), ("job", "golden"))),
        Family("s", MetricType.Summary, "A summary.",
            Series(m => m.Summary = new Summary
            {
                SampleCount = 7,
                SampleSum = 1.5e-7,
                Quantile = { new Quantile { Quantile_ = 0.99, Value = -1 }, new Quantile { Quantile_ = 0.5, Value = double.PositiveInfinity } },
            }, ("instance", "i1"), ("job", "golden"), ("x", "1")),
            Series(m => m.Summary = new Summary(), ("instance", "i1"), ("job", "golden"), ("x", "0"))),
        Family("h", MetricType.Histogram, "A histogram.",
            Series(m => m.Histogram = new Histogram
            {
                SampleCount = 10,
                SampleSum = 5.5,
                Bucket =
                {
                    new Bucket { UpperBound = 0.1, CumulativeCount = 1 },
                    new Bucket { UpperBound = 1, CumulativeCount = 4 },
                    new Bucket { UpperBound = 1000000, CumulativeCount = 9 },
                },
            }, ("instance", "i1"), ("job", "golden")),
            Series(m => m.Histogram = new Histogram
            {
                Bucket =
                {
                    new Bucket { UpperBound = -5, CumulativeCount = 0 },
                    new Bucket { UpperBound = double.PositiveInfinity, CumulativeCount = 3 },
                },
            }, ("instance", "i1"), ("job", "golden"), ("k", "v"))),
        Family("z_counter", MetricType.Counter, "No _total suffix.",
            Series(m => m.Counter = new Counter { Value = 3 }, ("instance", "i1"), ("job", "golden"))),
    ];

    public static List<MetricFamily> Group2() =>
    [
        Family("g", MetricType.Gauge, null,
            Series(m => m.Gauge = new Gauge { Value = 0.5 }, ("instance", ""), ("job", "golden2"))),
        Family("c_total", MetricType.Counter, "Counts \\ things\nover lines \"quoted\"",
            Series(m => m.Counter = new Counter { Value = 5 }, ("a", "0"), ("instance", ""), ("job", "golden2"))),
    ];

    public static MetricFamily Family(string name, MetricType type, string? help, params Metric[] metrics)
    {
        var family = new MetricFamily { Name = name, Type = type };
        if (help is not null)
        {
            family.Help = help;
        }
        family.Metric.AddRange(metrics);
        return family;
    }

    public static Metric Series(Action<Metric> setValue, params (string Name, string Value)[] labels)
    {
        var metric = new Metric();
        foreach (var (n, v) in labels)
        {
            metric.Label.Add(new LabelPair { Name = n, Value = v });
        }
        setValue(metric);
        return metric;
    }
}
