using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Tests.Grouping;
using ServerlessPush.Storage.Tables;

namespace ServerlessPush.Core.Tests.Storage;

/// <summary>
/// Table keys are injective: distinct groups get distinct partitions, distinct metric names distinct
/// index partitions, and every group's partition lies in its own job's key range and in no other's.
/// Label text is built from the pieces that break naive encodings, and from long runs that push a key
/// past the readable length into its SHA-256 form.
/// </summary>
public sealed class TableKeysTests
{
    private const int AzuriteMaxKey = 512;

    private static readonly string Long = new('x', 160);

    private static readonly Gen<string> Text =
        from count in Gen.Choose(0, 4)
        from pieces in Gen.Elements("", "a", "1", ":", "1:", ".", "~", "/", "\u00FF", "\uFFFF", "é", "\U0001F600", Long).ListOf(count)
        select string.Concat(pieces);

    private static readonly Gen<Dictionary<string, string>> LabelSets =
        from job in Text.Where(j => j.Length > 0)
        from count in Gen.Choose(0, 3)
        from others in (from name in Gen.Elements("a", "b", "instance") from value in Text select (name, value)).ListOf(count)
        select Set(others.Prepend(("job", job)));

    /// <summary>A label set, and the same labels joined with the reference's separator and cut at other separators.</summary>
    private static readonly Gen<(Dictionary<string, string> Original, Dictionary<string, string> Recut)> JoinedAlike =
        GroupingKeyPropertyTests.JoinedAlikeOf(LabelSets.Select(set => set.ToList()))
            .Select(pair => (GroupingKeyPropertyTests.AsSet(pair.Original), GroupingKeyPropertyTests.AsSet(pair.Recut)));

    private static Dictionary<string, string> Set(IEnumerable<(string Name, string Value)> labels) =>
        GroupingKeyPropertyTests.AsSet(labels.Select(l => KeyValuePair.Create(l.Name, l.Value)));

    private static GroupingKey Key(Dictionary<string, string> set) => GroupingKey.Create(set);

    private static bool SameSet(Dictionary<string, string> x, Dictionary<string, string> y) => GroupingKeyPropertyTests.SameSet(x, y);

    [Fact]
    public void A_value_holding_the_reference_separator_gets_a_partition_of_its_own()
    {
        // Issue 12, item 1: /metrics/job/j/a/1/b/2 and /metrics/job/j/a/1%C3%BFb%C3%BF2 shared one.
        Assert.NotEqual(
            TableKeys.GroupPartition(GroupingKey.ForJob("j", ("a", "1"), ("b", "2"))),
            TableKeys.GroupPartition(GroupingKey.ForJob("j", ("a", "1\u00FFb\u00FF2"))));
    }

    [Property(MaxTest = 3000)]
    public Property Distinct_groups_never_share_a_partition() =>
        Prop.ForAll(LabelSets.ToArbitrary(), LabelSets.ToArbitrary(), (x, y) =>
            SameSet(x, y) == (TableKeys.GroupPartition(Key(x)) == TableKeys.GroupPartition(Key(y))));

    [Property(MaxTest = 3000)]
    public Property Groups_whose_labels_join_alike_never_share_a_partition() =>
        Prop.ForAll(JoinedAlike.ToArbitrary(), pair =>
            SameSet(pair.Original, pair.Recut) == (TableKeys.GroupPartition(Key(pair.Original)) == TableKeys.GroupPartition(Key(pair.Recut))));

    [Property(MaxTest = 3000)]
    public Property A_partition_lies_in_its_own_jobs_range_only() =>
        Prop.ForAll(LabelSets.ToArbitrary(), Text.Where(j => j.Length > 0).ToArbitrary(), (set, otherJob) =>
        {
            var pk = TableKeys.GroupPartition(Key(set));
            static bool InRange(string pk, string job) =>
                string.CompareOrdinal(pk, TableKeys.JobPrefix(job)) >= 0 && string.CompareOrdinal(pk, TableKeys.JobRangeEnd(job)) < 0;
            return InRange(pk, set["job"]) && (otherJob == set["job"] || !InRange(pk, otherJob));
        });

    [Property(MaxTest = 3000)]
    public Property Keys_fit_Azurite_and_are_hashed_only_when_long() =>
        Prop.ForAll(LabelSets.ToArbitrary(), set =>
        {
            var pk = TableKeys.GroupPartition(Key(set));
            var textBytes = set.Sum(p => System.Text.Encoding.UTF8.GetByteCount(p.Key + p.Value));
            return pk.Length <= AzuriteMaxKey
                && TableKeys.TypeRow("GAUGEHISTOGRAM", pk).Length <= AzuriteMaxKey
                && (textBytes < 130 ? !TableKeys.IsHashed(pk) : true)
                && (textBytes > 400 ? TableKeys.IsHashed(pk) : true);
        });

    [Property(MaxTest = 2000)]
    public Property Distinct_metric_names_never_share_an_index_partition() =>
        Prop.ForAll(Text.ToArbitrary(), Text.ToArbitrary(), (x, y) =>
            (x == y) == (TableKeys.NamePartition(x) == TableKeys.NamePartition(y))
            && TableKeys.NamePartition(x).Length <= AzuriteMaxKey);

    [Fact]
    public void Two_long_keys_that_share_a_long_prefix_are_hashed_apart()
    {
        var a = TableKeys.GroupPartition(GroupingKey.ForJob("j", ("a", new string('v', 400) + "1")));
        var b = TableKeys.GroupPartition(GroupingKey.ForJob("j", ("a", new string('v', 400) + "2")));
        Assert.True(TableKeys.IsHashed(a));
        Assert.NotEqual(a, b);
        Assert.StartsWith(TableKeys.JobPrefix("j"), a);
        Assert.StartsWith(TableKeys.JobPrefix("j"), b);
    }

    [Property(MaxTest = 2000)]
    public Property Expiry_shards_of_a_bucket_sort_inside_the_sweeps_range_and_later_buckets_after_it() =>
        Prop.ForAll(LabelSets.ToArbitrary(), Gen.Choose(0, 1_000_000).ToArbitrary(), (set, minutes) =>
        {
            var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(minutes).AddSeconds(minutes % 60);
            var pk = TableKeys.GroupPartition(Key(set));
            var entry = TableKeys.ExpiryPartition(at, pk);
            var end = TableKeys.ExpiryRangeEnd(at);
            var unsharded = entry[..entry.LastIndexOf('.')];
            return string.CompareOrdinal(entry, TableKeys.ExpiryPrefix) > 0
                && string.CompareOrdinal(entry, end) < 0
                // Entries written before the shards (x<bucket>, no suffix) are still due with their bucket.
                && string.CompareOrdinal(unsharded, end) < 0
                && string.CompareOrdinal(TableKeys.ExpiryPartition(at + TableKeys.ExpiryBucket, pk), end) > 0
                && string.CompareOrdinal(TableKeys.ExpiryRangeEnd(at - TableKeys.ExpiryBucket), entry) < 0;
        });

    [Fact]
    public void A_groups_expiry_shard_is_the_same_in_every_process()
    {
        // Pinned values (FNV-1a, computed apart): a per-process hash (string.GetHashCode) would give two instances two rows for one group.
        var at = new DateTimeOffset(2026, 1, 1, 12, 34, 0, TimeSpan.Zero);
        Assert.Equal("x202601011230.6", TableKeys.ExpiryPartition(at, "gam9i.AA"));
        Assert.Equal("x202601011230.8", TableKeys.ExpiryPartition(at, "gYmFja3Vw.MTppbnN0YW5jZTE6MQ"));
    }

    [Fact]
    public void Expiry_entries_spread_over_every_shard()
    {
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var shards = Enumerable.Range(0, 1000)
            .Select(i => TableKeys.ExpiryPartition(at, TableKeys.GroupPartition(GroupingKey.ForJob("j", ("instance", $"i{i}")))))
            .Distinct()
            .Count();
        Assert.Equal(TableKeys.ExpiryShards, shards);
    }
}
