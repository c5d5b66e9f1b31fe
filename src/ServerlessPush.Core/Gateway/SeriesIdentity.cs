using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Gateway;

/// <summary>
/// A series of one scrape: its family name and its labels, for the scrape's duplicate check.
/// Equality compares the name and every label name and value in full, so two series are the same
/// only when their labels are; the hash (FNV-1a over the characters) only picks the bucket, and a
/// collision costs one comparison, never a series. Allocates nothing beyond the set's entry.
/// </summary>
internal readonly struct SeriesIdentity(string family, Metric metric) : IEquatable<SeriesIdentity>
{
    private readonly string _family = family;
    private readonly Metric _metric = metric;

    public bool Equals(SeriesIdentity other)
    {
        if (!string.Equals(_family, other._family, StringComparison.Ordinal))
        {
            return false;
        }
        var mine = _metric.Label;
        var theirs = other._metric.Label;
        if (mine.Count != theirs.Count)
        {
            return false;
        }
        for (var i = 0; i < mine.Count; i++)
        {
            if (!string.Equals(mine[i].Name, theirs[i].Name, StringComparison.Ordinal)
                || !string.Equals(mine[i].Value, theirs[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is SeriesIdentity other && Equals(other);

    public override int GetHashCode()
    {
        var hash = Add(14695981039346656037UL, _family);
        var labels = _metric.Label;
        // Indexed: the repeated field's enumerator is an allocation per series.
        for (var i = 0; i < labels.Count; i++)
        {
            hash = Add(Add(hash, labels[i].Name), labels[i].Value);
        }
        return (int)(hash ^ (hash >> 32));
    }

    private static ulong Add(ulong hash, string text)
    {
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        // The length ends each string, so shifting characters between strings changes the hash.
        return (hash ^ (uint)text.Length ^ 0x10000u) * 1099511628211UL;
    }
}
