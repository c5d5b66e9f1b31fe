using System.Text;

namespace ServerlessPush.Core.Grouping;

/// <summary>
/// The labels that identify one group: <c>job</c> plus the path labels, sorted by name.
/// Two keys are equal when their label sets are equal, whatever order a client sent them in.
/// </summary>
public sealed class GroupingKey : IEquatable<GroupingKey>
{
    public const string JobLabel = "job";
    public const string InstanceLabel = "instance";

    private readonly KeyValuePair<string, string>[] _labels;

    private GroupingKey(KeyValuePair<string, string>[] sortedLabels)
    {
        _labels = sortedLabels;
        Canonical = BuildCanonical(sortedLabels);
    }

    /// <summary>Labels sorted by name (ordinal).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Labels => _labels;

    public string Job => Get(JobLabel) ?? string.Empty;

    /// <summary>
    /// The reference's key string: <c>name 0xFF value 0xFF …</c> over the sorted labels
    /// (it joins with the byte 0xFF; U+00FF stands in for it here and never occurs alone in UTF-8 text).
    /// </summary>
    public string Canonical { get; }

    public static GroupingKey Create(IEnumerable<KeyValuePair<string, string>> labels)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in labels)
        {
            map[name] = value;
        }
        var sorted = map.OrderBy(p => p.Key, StringComparer.Ordinal).ToArray();
        return new GroupingKey(sorted);
    }

    public static GroupingKey ForJob(string job, params (string Name, string Value)[] labels) =>
        Create(labels.Select(l => KeyValuePair.Create(l.Name, l.Value)).Append(KeyValuePair.Create(JobLabel, job)));

    public string? Get(string name)
    {
        foreach (var (n, v) in _labels)
        {
            if (n == name)
            {
                return v;
            }
        }
        return null;
    }

    public bool Has(string name) => Get(name) is not null;

    /// <summary>The same key with one label set, added or removed (null value removes).</summary>
    public GroupingKey With(string name, string? value)
    {
        var rest = _labels.Where(l => l.Key != name);
        return Create(value is null ? rest : rest.Append(KeyValuePair.Create(name, value)));
    }

    public bool Equals(GroupingKey? other) => other is not null && Canonical == other.Canonical;

    public override bool Equals(object? obj) => Equals(obj as GroupingKey);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Canonical);

    /// <summary>Prometheus-style rendering, e.g. <c>{instance="a",job="b"}</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("{");
        for (var i = 0; i < _labels.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            sb.Append(_labels[i].Key).Append("=\"").Append(_labels[i].Value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")).Append('"');
        }
        return sb.Append('}').ToString();
    }

    private static string BuildCanonical(KeyValuePair<string, string>[] sorted)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < sorted.Length; i++)
        {
            if (i > 0)
            {
                sb.Append('\u00FF');
            }
            sb.Append(sorted[i].Key).Append('\u00FF').Append(sorted[i].Value);
        }
        return sb.ToString();
    }
}
