using System.Text;

namespace ServerlessPush.Core.Grouping;

/// <summary>
/// The labels that identify one group: <c>job</c> plus the path labels, sorted by name.
/// Two keys are equal when their label sets are equal, whatever order a client sent them in.
/// Label text is well-formed Unicode: every source of it decodes UTF-8 (the URL path, base64 values).
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
    /// The key as one string, injective: <c>&lt;length&gt;:&lt;name&gt;&lt;length&gt;:&lt;value&gt;…</c> over the
    /// sorted labels (<see cref="LengthPrefixed"/>), so distinct label sets give distinct strings.
    /// (The reference joins with the byte 0xFF, which UTF-8 never contains; a .NET string has no such
    /// character: U+00FF and U+FFFF are ordinary text that label values may hold.)
    /// </summary>
    public string Canonical { get; }

    /// <summary>
    /// Orders keys as the reference orders its groups: by the bytes of <c>name 0xFF value 0xFF …</c>,
    /// in which the separator sorts after every byte of UTF-8 text.
    /// </summary>
    public static IComparer<GroupingKey> ReferenceOrder { get; } = Comparer<GroupingKey>.Create(CompareAsReference);

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
        foreach (var (name, value) in sorted)
        {
            sb.AppendField(name).AppendField(value);
        }
        return sb.ToString();
    }

    private static int CompareAsReference(GroupingKey? x, GroupingKey? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }
        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }
        // The parts name, value, name, value … of both keys, side by side.
        var xParts = 2 * x._labels.Length;
        var yParts = 2 * y._labels.Length;
        for (var i = 0; i < Math.Min(xParts, yParts); i++)
        {
            var s = Part(x._labels, i);
            var t = Part(y._labels, i);
            var common = s.AsSpan().CommonPrefixLength(t);
            if (common == s.Length && common == t.Length)
            {
                continue;
            }
            if (common < s.Length && common < t.Length)
            {
                return Utf8Ordinal.Instance.Compare(s, t);
            }
            // One part is a prefix of the other. After it the shorter one's key goes on with the
            // separator 0xFF (above every text byte), or ends if this was its last part.
            var xIsShorter = common == s.Length;
            var shorterEnds = i == (xIsShorter ? xParts : yParts) - 1;
            var shorterSorts = shorterEnds ? -1 : 1;
            return xIsShorter ? shorterSorts : -shorterSorts;
        }
        // Equal as far as both go: the key that ends first sorts first.
        return xParts.CompareTo(yParts);
    }

    private static string Part(KeyValuePair<string, string>[] labels, int index) =>
        index % 2 == 0 ? labels[index / 2].Key : labels[index / 2].Value;
}
