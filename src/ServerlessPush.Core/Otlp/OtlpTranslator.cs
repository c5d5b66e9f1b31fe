using Google.Protobuf.Collections;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Metrics.V1;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using OtlpMetric = OpenTelemetry.Proto.Metrics.V1.Metric;
using PromMetric = ServerlessPush.Core.Metrics.Metric;
using PromHistogram = ServerlessPush.Core.Metrics.Histogram;
using Gauge = ServerlessPush.Core.Metrics.Gauge;
using Summary = ServerlessPush.Core.Metrics.Summary;

namespace ServerlessPush.Core.Otlp;

/// <summary>
/// An OTLP metrics export as pushes, one group per resource, translated as Prometheus's OTLP receiver
/// does (docs/otlp.md has the table): <c>job</c> is <c>service.namespace/service.name</c> (or the name
/// alone), <c>instance</c> is <c>service.instance.id</c>, the configured grouping attributes add labels,
/// the other resource attributes go to <c>target_info</c>. Pure: no storage, no clock.
/// </summary>
public static class OtlpTranslator
{
    /// <summary>Overrides <see cref="OtlpOptions.Merge"/> for one request: <c>merge</c> or <c>replace</c>.</summary>
    public const string ModeHeader = "X-ServerlessPush-Mode";

    public const string ServiceName = "service.name";
    public const string ServiceNamespace = "service.namespace";
    public const string ServiceInstanceId = "service.instance.id";
    public const string TargetInfo = "target_info";

    private const uint NoRecordedValue = (uint)DataPointFlags.NoRecordedValueMask;

    /// <exception cref="OtlpRequestException">A resource has no <c>service.name</c>, or a point is a delta and deltas are not summed.</exception>
    public static OtlpTranslation Translate(ExportMetricsServiceRequest request, OtlpOptions options)
    {
        var groups = new Dictionary<GroupingKey, GroupBuilder>();
        var rejected = new Rejections();
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var attributes = resourceMetrics.Resource?.Attributes ?? new RepeatedField<KeyValue>();
            var key = KeyOf(attributes, options);
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = new GroupBuilder(key);
            }
            foreach (var scope in resourceMetrics.ScopeMetrics)
            {
                foreach (var metric in scope.Metrics)
                {
                    AddMetric(group, metric, options, rejected);
                }
            }
            group.AddTargetInfo(attributes, options);
        }
        var built = groups.Values.Where(g => g.Points > 0).Select(g => g.Build()).ToList();
        return new OtlpTranslation(built, rejected.Count, rejected.Reason);
    }

    /// <summary>The grouping key of a resource.</summary>
    public static GroupingKey KeyOf(RepeatedField<KeyValue> attributes, OtlpOptions options)
    {
        var name = OtlpAttributes.Find(attributes, ServiceName);
        if (string.IsNullOrEmpty(name))
        {
            throw new OtlpRequestException($"a resource has no \"{ServiceName}\" attribute: it names the group's job");
        }
        var ns = OtlpAttributes.Find(attributes, ServiceNamespace);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [GroupingKey.JobLabel] = string.IsNullOrEmpty(ns) ? name : ns + "/" + name,
        };
        if (OtlpAttributes.Find(attributes, ServiceInstanceId) is { Length: > 0 } instance)
        {
            labels[GroupingKey.InstanceLabel] = instance;
        }
        foreach (var attribute in options.GroupingAttributes)
        {
            if (OtlpAttributes.Find(attributes, attribute) is { Length: > 0 } value)
            {
                labels.TryAdd(OtlpNames.LabelName(attribute), value);
            }
        }
        return GroupingKey.Create(labels);
    }

    private static void AddMetric(GroupBuilder group, OtlpMetric metric, OtlpOptions options, Rejections rejected)
    {
        switch (metric.DataCase)
        {
            case OtlpMetric.DataOneofCase.Gauge:
                AddNumbers(group, metric, metric.Gauge.DataPoints, OtlpNameKind.Gauge, MetricType.Gauge, delta: false, rejected);
                break;
            case OtlpMetric.DataOneofCase.Sum:
                var sum = metric.Sum;
                if (Delta(metric, sum.AggregationTemporality, sum.DataPoints.Count, options, rejected) is { } sumDelta)
                {
                    AddNumbers(group, metric, sum.DataPoints, sum.IsMonotonic ? OtlpNameKind.Counter : OtlpNameKind.Gauge,
                        sum.IsMonotonic ? MetricType.Counter : MetricType.Gauge, sumDelta, rejected);
                }
                break;
            case OtlpMetric.DataOneofCase.Histogram:
                var histogram = metric.Histogram;
                if (Delta(metric, histogram.AggregationTemporality, histogram.DataPoints.Count, options, rejected) is { } histogramDelta)
                {
                    AddHistograms(group, metric, histogram.DataPoints, histogramDelta, rejected);
                }
                break;
            case OtlpMetric.DataOneofCase.ExponentialHistogram:
                var exponential = metric.ExponentialHistogram;
                if (Delta(metric, exponential.AggregationTemporality, exponential.DataPoints.Count, options, rejected) is { } exponentialDelta)
                {
                    AddExponentialHistograms(group, metric, exponential.DataPoints, exponentialDelta, rejected);
                }
                break;
            case OtlpMetric.DataOneofCase.Summary:
                AddSummaries(group, metric, metric.Summary.DataPoints, rejected);
                break;
            default:
                rejected.Add(1, $"metric \"{metric.Name}\" has no data");
                break;
        }
    }

    /// <summary>Whether the points are deltas (to sum); null if they are left out (temporality unspecified).</summary>
    private static bool? Delta(OtlpMetric metric, AggregationTemporality temporality, int points, OtlpOptions options, Rejections rejected)
    {
        switch (temporality)
        {
            case AggregationTemporality.Cumulative:
                return false;
            case AggregationTemporality.Delta when options.SumDeltas:
                return true;
            case AggregationTemporality.Delta:
                throw new OtlpRequestException(
                    $"metric \"{metric.Name}\" has delta temporality: the gateway stores cumulative values; configure the exporter for cumulative temporality (or set Gateway:Otlp:SumDeltas)");
            default:
                rejected.Add(points, $"metric \"{metric.Name}\" has no aggregation temporality");
                return null;
        }
    }

    private static void AddNumbers(GroupBuilder group, OtlpMetric metric, RepeatedField<NumberDataPoint> points, OtlpNameKind kind, MetricType type, bool delta, Rejections rejected)
    {
        var name = OtlpNames.MetricName(metric.Name, metric.Unit, kind);
        foreach (var point in points)
        {
            if ((point.Flags & NoRecordedValue) != 0)
            {
                continue;
            }
            double value;
            switch (point.ValueCase)
            {
                case NumberDataPoint.ValueOneofCase.AsDouble:
                    value = point.AsDouble;
                    break;
                case NumberDataPoint.ValueOneofCase.AsInt:
                    value = point.AsInt;
                    break;
                default:
                    rejected.Add(1, $"a point of metric \"{metric.Name}\" has no value");
                    continue;
            }
            var prom = new PromMetric();
            prom.Label.AddRange(OtlpAttributes.Labels(point.Attributes));
            if (type == MetricType.Counter)
            {
                prom.Counter = new Counter { Value = value };
            }
            else
            {
                prom.Gauge = new Gauge { Value = value };
            }
            group.Add(name, type, metric.Description, prom, delta, rejected);
        }
    }

    private static void AddHistograms(GroupBuilder group, OtlpMetric metric, RepeatedField<HistogramDataPoint> points, bool delta, Rejections rejected)
    {
        var name = OtlpNames.MetricName(metric.Name, metric.Unit, OtlpNameKind.Other);
        foreach (var point in points)
        {
            if ((point.Flags & NoRecordedValue) != 0)
            {
                continue;
            }
            if (point.BucketCounts.Count != 0 && point.BucketCounts.Count != point.ExplicitBounds.Count + 1)
            {
                rejected.Add(1, $"a point of histogram \"{metric.Name}\" has {point.BucketCounts.Count} bucket counts for {point.ExplicitBounds.Count} bounds");
                continue;
            }
            var histogram = new PromHistogram { SampleCount = point.Count, SampleSum = point.HasSum ? point.Sum : 0 };
            ulong cumulative = 0;
            for (var i = 0; i < point.BucketCounts.Count; i++)
            {
                cumulative += point.BucketCounts[i];
                histogram.Bucket.Add(new Bucket
                {
                    UpperBound = i < point.ExplicitBounds.Count ? point.ExplicitBounds[i] : double.PositiveInfinity,
                    CumulativeCount = cumulative,
                });
            }
            if (point.BucketCounts.Count == 0)
            {
                histogram.Bucket.Add(new Bucket { UpperBound = double.PositiveInfinity, CumulativeCount = point.Count });
            }
            var prom = new PromMetric { Histogram = histogram };
            prom.Label.AddRange(OtlpAttributes.Labels(point.Attributes));
            group.Add(name, MetricType.Histogram, metric.Description, prom, delta, rejected);
        }
    }

    private static void AddExponentialHistograms(GroupBuilder group, OtlpMetric metric, RepeatedField<ExponentialHistogramDataPoint> points, bool delta, Rejections rejected)
    {
        var name = OtlpNames.MetricName(metric.Name, metric.Unit, OtlpNameKind.Other);
        foreach (var point in points)
        {
            if ((point.Flags & NoRecordedValue) != 0)
            {
                continue;
            }
            var (histogram, error) = NativeHistograms.From(point);
            if (histogram is null)
            {
                rejected.Add(1, $"a point of histogram \"{metric.Name}\": {error}");
                continue;
            }
            var prom = new PromMetric { Histogram = histogram };
            prom.Label.AddRange(OtlpAttributes.Labels(point.Attributes));
            group.Add(name, MetricType.Histogram, metric.Description, prom, delta, rejected);
        }
    }

    private static void AddSummaries(GroupBuilder group, OtlpMetric metric, RepeatedField<SummaryDataPoint> points, Rejections rejected)
    {
        var name = OtlpNames.MetricName(metric.Name, metric.Unit, OtlpNameKind.Other);
        foreach (var point in points)
        {
            if ((point.Flags & NoRecordedValue) != 0)
            {
                continue;
            }
            var summary = new Summary { SampleCount = point.Count, SampleSum = point.Sum };
            foreach (var quantile in point.QuantileValues)
            {
                summary.Quantile.Add(new Quantile { Quantile_ = quantile.Quantile, Value = quantile.Value });
            }
            var prom = new PromMetric { Summary = summary };
            prom.Label.AddRange(OtlpAttributes.Labels(point.Attributes));
            group.Add(name, MetricType.Summary, metric.Description, prom, delta: false, rejected);
        }
    }

    /// <summary>The first reason and the count of left-out points.</summary>
    private sealed class Rejections
    {
        public long Count { get; private set; }
        public string? Reason { get; private set; }

        public void Add(long points, string reason)
        {
            if (points <= 0)
            {
                return;
            }
            Count += points;
            Reason ??= reason;
        }
    }

    private sealed class GroupBuilder(GroupingKey key)
    {
        private readonly Dictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
        private readonly HashSet<string> _deltas = new(StringComparer.Ordinal);
        private readonly HashSet<string> _cumulative = new(StringComparer.Ordinal);

        public long Points { get; private set; }

        public void Add(string name, MetricType type, string help, PromMetric metric, bool delta, Rejections rejected)
        {
            if (!_families.TryGetValue(name, out var family))
            {
                _families[name] = family = new MetricFamily { Name = name, Type = type, Help = help };
            }
            else if (family.Type != type)
            {
                rejected.Add(1, $"metric \"{name}\" is both {family.Type.ToString().ToLowerInvariant()} and {type.ToString().ToLowerInvariant()} in one resource");
                return;
            }
            if ((delta ? _cumulative : _deltas).Contains(name))
            {
                rejected.Add(1, $"metric \"{name}\" is both delta and cumulative in one resource");
                return;
            }
            (delta ? _deltas : _cumulative).Add(name);
            family.Metric.Add(metric);
            Points++;
        }

        /// <summary>The resource attributes that are not in the key, as Prometheus's <c>target_info</c> gauge.</summary>
        public void AddTargetInfo(RepeatedField<KeyValue> attributes, OtlpOptions options)
        {
            if (Points == 0 || _families.ContainsKey(TargetInfo))
            {
                return;
            }
            var labels = OtlpAttributes.Labels(attributes, k =>
                k is ServiceName or ServiceNamespace or ServiceInstanceId || options.GroupingAttributes.Contains(k));
            if (labels.Count == 0)
            {
                return;
            }
            var metric = new PromMetric { Gauge = new Gauge { Value = 1 } };
            metric.Label.AddRange(labels);
            _families[TargetInfo] = new MetricFamily { Name = TargetInfo, Type = MetricType.Gauge, Help = "Target metadata", Metric = { metric } };
        }

        public OtlpGroup Build() => new(key, _families.Values.ToList(), _deltas, Points);
    }
}
