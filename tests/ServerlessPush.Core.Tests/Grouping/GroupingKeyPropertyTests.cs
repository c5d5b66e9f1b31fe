using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Core.Tests.Grouping;

/// <summary>
/// The grouping key's string form is injective and its order is the reference's, over label text
/// built from the pieces that break naive encodings: the reference's separator as text (U+00FF),
/// U+FFFF, digits and ':' (which look like length prefixes), surrogate pairs, empty strings.
/// </summary>
public sealed class GroupingKeyPropertyTests
{
    internal static readonly string[] Pieces = ["", "a", "b", "1", "2", "10", ":", "1:", "\u00FF", "\uFFFF", "=", ".", "~", "é", "\U0001F600", "job", "instance", "\uE000"];

    /// <summary>Up to <paramref name="max"/> values of <paramref name="gen"/>.</summary>
    internal static Gen<List<T>> UpTo<T>(int max, Gen<T> gen) =>
        from count in Gen.Choose(0, max)
        from items in gen.ListOf(count)
        select items.ToList();

    internal static Gen<string> Text { get; } = UpTo(4, Gen.Elements(Pieces)).Select(string.Concat);

    /// <summary>A label set as a client could send it: names may repeat (the last wins), the job is always there.</summary>
    internal static Gen<List<KeyValuePair<string, string>>> Labels { get; } =
        from job in Text
        from others in UpTo(4,
            from name in Gen.Elements("a", "b", "c", "a1", "instance", "1:a", "\u00FF", "")
            from value in Text
            select KeyValuePair.Create(name, value))
        select others.Prepend(KeyValuePair.Create("job", job)).ToList();

    /// <summary>
    /// Pairs of label sets whose reference-style joins (<c>name ÿ value ÿ …</c>) are one text: a set,
    /// and the same text cut into labels at other separators. Every collision of a separator join.
    /// </summary>
    internal static Gen<(List<KeyValuePair<string, string>> Original, List<KeyValuePair<string, string>> Recut)> JoinedAlike { get; } = JoinedAlikeOf(Labels);

    /// <summary><see cref="JoinedAlike"/> over the label sets of <paramref name="labels"/> (TableKeysTests uses its own, with long text).</summary>
    internal static Gen<(List<KeyValuePair<string, string>> Original, List<KeyValuePair<string, string>> Recut)> JoinedAlikeOf(Gen<List<KeyValuePair<string, string>>> labels) =>
        from original in labels
        let tokens = string.Join('\u00FF', GroupingKey.Create(original).Labels.SelectMany(l => new[] { l.Key, l.Value })).Split('\u00FF')
        from cuts in Gen.Elements(true, false).ListOf(tokens.Length - 1)
        select (original, Recut(tokens, cuts.ToArray()));

    /// <summary>Joins the tokens again, splitting only where <paramref name="cuts"/> says: an odd number of cuts, so names and values pair up.</summary>
    private static List<KeyValuePair<string, string>> Recut(string[] tokens, bool[] cuts)
    {
        if (cuts.Count(c => c) % 2 == 0)
        {
            cuts[0] = !cuts[0];
        }
        var fields = new List<string> { tokens[0] };
        for (var i = 1; i < tokens.Length; i++)
        {
            if (cuts[i - 1])
            {
                fields.Add(tokens[i]);
            }
            else
            {
                fields[^1] += "\u00FF" + tokens[i];
            }
        }
        return fields.Chunk(2).Select(p => KeyValuePair.Create(p[0], p[1])).ToList();
    }

    internal static Dictionary<string, string> AsSet(IEnumerable<KeyValuePair<string, string>> labels)
    {
        var set = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in labels)
        {
            set[name] = value;
        }
        return set;
    }

    internal static bool SameSet(Dictionary<string, string> x, Dictionary<string, string> y) =>
        x.Count == y.Count && x.All(p => y.TryGetValue(p.Key, out var v) && v == p.Value);

    [Property(MaxTest = 5000)]
    public Property Distinct_label_sets_never_share_a_canonical_string() =>
        Prop.ForAll(Labels.ToArbitrary(), Labels.ToArbitrary(), (x, y) =>
        {
            var a = GroupingKey.Create(x);
            var b = GroupingKey.Create(y);
            var same = SameSet(AsSet(x), AsSet(y));
            return same == (a.Canonical == b.Canonical) && same == a.Equals(b) && (!same || a.GetHashCode() == b.GetHashCode());
        });

    [Property(MaxTest = 3000)]
    public Property Label_sets_that_join_alike_get_distinct_keys() =>
        Prop.ForAll(JoinedAlike.ToArbitrary(), pair =>
        {
            var a = GroupingKey.Create(pair.Original);
            var b = GroupingKey.Create(pair.Recut);
            return SameSet(AsSet(pair.Original), AsSet(pair.Recut)) == (a.Canonical == b.Canonical) && a.Equals(b) == (a.Canonical == b.Canonical);
        });

    [Property(MaxTest = 2000)]
    public Property Moving_text_between_a_value_and_the_next_label_changes_the_key() =>
        // The targeted form of the collision: the same characters, cut differently into labels.
        Prop.ForAll(Text.ToArbitrary(), Text.ToArbitrary(), Text.ToArbitrary(), (v, w, moved) =>
        {
            var a = GroupingKey.ForJob("j", ("a", v + moved), ("b", w));
            var b = GroupingKey.ForJob("j", ("a", v), ("b", moved + w));
            return moved.Length == 0 ? a.Equals(b) : !a.Equals(b) && a.Canonical != b.Canonical;
        });

    [Property(MaxTest = 3000)]
    public Property Keys_sort_as_the_references_byte_strings() =>
        Prop.ForAll(Labels.ToArbitrary(), Labels.ToArbitrary(), (x, y) =>
        {
            var a = GroupingKey.Create(x);
            var b = GroupingKey.Create(y);
            var expected = Math.Sign(ReferenceBytes(a).AsSpan().SequenceCompareTo(ReferenceBytes(b)));
            return Math.Sign(GroupingKey.ReferenceOrder.Compare(a, b)) == expected;
        });

    [Fact]
    public void A_name_that_is_a_prefix_of_another_sorts_after_it_as_in_the_reference()
    {
        // name 0xFF … : the separator sorts after 'b', so "a" comes after "ab".
        var shorter = GroupingKey.ForJob("j", ("a", "x"));
        var longer = GroupingKey.ForJob("j", ("ab", "x"));
        Assert.True(GroupingKey.ReferenceOrder.Compare(longer, shorter) < 0);
    }

    /// <summary>The reference's key: UTF-8 of name, 0xFF, value, 0xFF, … with no trailing separator.</summary>
    private static byte[] ReferenceBytes(GroupingKey key)
    {
        var bytes = new List<byte>();
        foreach (var (name, value) in key.Labels)
        {
            if (!ReferenceEquals(name, key.Labels[0].Key))
            {
                bytes.Add(0xFF);
            }
            bytes.AddRange(Encoding.UTF8.GetBytes(name));
            bytes.Add(0xFF);
            bytes.AddRange(Encoding.UTF8.GetBytes(value));
        }
        return [.. bytes];
    }
}
