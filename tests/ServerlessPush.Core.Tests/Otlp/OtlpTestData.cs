using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Metrics.V1;
using OpenTelemetry.Proto.Resource.V1;

namespace ServerlessPush.Core.Tests.Otlp;

/// <summary>OTLP requests built in code, as an SDK would send them.</summary>
public static class OtlpTestData
{
    public static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    public static ExportMetricsServiceRequest Request(IEnumerable<KeyValue> resource, params Metric[] metrics) => new()
    {
        ResourceMetrics =
        {
            new ResourceMetrics
            {
                Resource = new Resource { Attributes = { resource } },
                ScopeMetrics = { new ScopeMetrics { Scope = new InstrumentationScope { Name = "backup" }, Metrics = { metrics } } },
            },
        },
    };

    public static IEnumerable<KeyValue> Service(string name = "backup", string? ns = null, string? instance = null, params KeyValue[] more)
    {
        yield return Attribute("service.name", name);
        if (ns is not null)
        {
            yield return Attribute("service.namespace", ns);
        }
        if (instance is not null)
        {
            yield return Attribute("service.instance.id", instance);
        }
        foreach (var attribute in more)
        {
            yield return attribute;
        }
    }

    public static Metric Counter(string name, string unit, double value, AggregationTemporality temporality = AggregationTemporality.Cumulative, params KeyValue[] attributes) => new()
    {
        Name = name,
        Unit = unit,
        Description = "A counter.",
        Sum = new Sum
        {
            IsMonotonic = true,
            AggregationTemporality = temporality,
            DataPoints = { new NumberDataPoint { AsDouble = value, Attributes = { attributes }, TimeUnixNano = 1 } },
        },
    };

    public static Metric UpDown(string name, long value) => new()
    {
        Name = name,
        Sum = new Sum
        {
            IsMonotonic = false,
            AggregationTemporality = AggregationTemporality.Cumulative,
            DataPoints = { new NumberDataPoint { AsInt = value } },
        },
    };

    public static Metric Gauge(string name, string unit, double value, params KeyValue[] attributes) => new()
    {
        Name = name,
        Unit = unit,
        Gauge = new Gauge { DataPoints = { new NumberDataPoint { AsDouble = value, Attributes = { attributes } } } },
    };

    public static Metric Histogram(string name, string unit, double[] bounds, ulong[] counts, double sum, AggregationTemporality temporality = AggregationTemporality.Cumulative)
    {
        var point = new HistogramDataPoint { Count = (ulong)counts.Sum(c => (long)c), Sum = sum };
        point.ExplicitBounds.AddRange(bounds);
        point.BucketCounts.AddRange(counts);
        return new Metric
        {
            Name = name,
            Unit = unit,
            Histogram = new Histogram { AggregationTemporality = temporality, DataPoints = { point } },
        };
    }

    public static Metric Exponential(string name, string unit, int scale, int offset, ulong[] counts, ulong zeroCount, double sum,
        AggregationTemporality temporality = AggregationTemporality.Cumulative)
    {
        var point = new ExponentialHistogramDataPoint
        {
            Scale = scale,
            Count = (ulong)counts.Sum(c => (long)c) + zeroCount,
            ZeroCount = zeroCount,
            Sum = sum,
            Positive = new ExponentialHistogramDataPoint.Types.Buckets { Offset = offset, BucketCounts = { counts } },
        };
        return new Metric
        {
            Name = name,
            Unit = unit,
            ExponentialHistogram = new ExponentialHistogram { AggregationTemporality = temporality, DataPoints = { point } },
        };
    }

    public static byte[] Bytes(this IMessage message) => message.ToByteArray();
}
