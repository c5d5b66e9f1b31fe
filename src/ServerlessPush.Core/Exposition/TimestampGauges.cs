using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Core.Exposition;

/// <summary>
/// The two per-group gauges the reference adds (<c>newTimestampGauge</c> in
/// storage/diskmetricstore.go): one series labelled with the grouping labels plus
/// <c>instance=""</c> when the key has no instance, labels sorted by name, value = Unix seconds
/// (<c>UnixNano()/1e9</c>), 0 for "never".
/// </summary>
public static class TimestampGauges
{
    public const string PushTimeName = "push_time_seconds";
    public const string PushFailureTimeName = "push_failure_time_seconds";
    public const string PushTimeHelp = "Last Unix time when changing this group in the Pushgateway succeeded.";
    public const string PushFailureTimeHelp = "Last Unix time when changing this group in the Pushgateway failed.";

    /// <summary>True for the two reserved names (a pushed family with one of them is overridden).</summary>
    public static bool IsTimestampGaugeName(string name) =>
        name is PushTimeName or PushFailureTimeName;

    /// <summary>Both families for a group: <c>push_time_seconds</c> then <c>push_failure_time_seconds</c>.</summary>
    public static MetricFamily[] For(MetricGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return [PushTime(group.Key, group.LastPushTime), PushFailureTime(group.Key, group.LastFailureTime)];
    }

    public static MetricFamily PushTime(GroupingKey key, DateTimeOffset? time) =>
        Create(PushTimeName, PushTimeHelp, key, time);

    public static MetricFamily PushFailureTime(GroupingKey key, DateTimeOffset? time) =>
        Create(PushFailureTimeName, PushFailureTimeHelp, key, time);

    /// <summary>ServerlessPush's optional third gauge: when the group expires.</summary>
    public const string ExpiryTimeName = "push_expiry_time_seconds";
    public const string ExpiryTimeHelp = "Unix time when this group expires and stops being exposed.";

    public static MetricFamily ExpiryTime(GroupingKey key, DateTimeOffset time) =>
        Create(ExpiryTimeName, ExpiryTimeHelp, key, time);

    /// <summary>Go's <c>float64(t.UnixNano()) / 1e9</c>; null gives 0.</summary>
    public static double ToUnixSeconds(DateTimeOffset? time)
    {
        if (time is null)
        {
            return 0;
        }
        var nanos = (time.Value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        return nanos / 1e9;
    }

    private static MetricFamily Create(string name, string help, GroupingKey key, DateTimeOffset? time)
    {
        ArgumentNullException.ThrowIfNull(key);
        var labels = new List<LabelPair>(key.Labels.Count + 1);
        foreach (var (labelName, value) in key.Labels)
        {
            labels.Add(new LabelPair { Name = labelName, Value = value });
        }
        if (!key.Has(GroupingKey.InstanceLabel))
        {
            labels.Add(new LabelPair { Name = GroupingKey.InstanceLabel, Value = string.Empty });
        }
        labels.Sort(static (a, b) => Utf8Ordinal.Instance.Compare(a.Name, b.Name));
        var metric = new Metric { Gauge = new Gauge { Value = ToUnixSeconds(time) } };
        metric.Label.AddRange(labels);
        var family = new MetricFamily { Name = name, Help = help, Type = MetricType.Gauge };
        family.Metric.Add(metric);
        return family;
    }
}
