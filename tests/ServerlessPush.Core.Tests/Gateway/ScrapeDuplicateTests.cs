using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Tests.Grouping;
using ServerlessPush.Testing.InMemory;

namespace ServerlessPush.Core.Tests.Gateway;

/// <summary>The scrape drops a series only when another group already gave one with the very same labels.</summary>
public sealed class ScrapeDuplicateTests
{
    private static MetricGroup Group(GroupingKey key, string body)
    {
        var families = TextFormatParser.Parse(Encoding.UTF8.GetBytes(body));
        Assert.Null(PushValidator.ValidateAndSanitise(key, families));
        return new MetricGroup(key, families.Select(f => new PushedFamily(f, DateTimeOffset.UnixEpoch)).ToList(), DateTimeOffset.UnixEpoch, null);
    }

    private static async Task<List<string>> SeriesOfAsync(string name, params MetricGroup[] groups)
    {
        var store = new InMemoryGroupStore();
        foreach (var group in groups)
        {
            await store.WriteAsync(group.Key, new ReplaceFamilies(group.Families, DateTimeOffset.UnixEpoch, null));
        }
        var scrape = new ScrapeService(store, Options.Create(new GatewayOptions()), TimeProvider.System, NullLogger<ScrapeService>.Instance);
        var families = await scrape.CollectAsync();
        return families.Where(f => f.Name == name)
            .SelectMany(f => f.Metric)
            .Select(m => string.Join(",", m.Label.Select(l => $"{l.Name}={l.Value}")))
            .ToList();
    }

    [Fact]
    public async Task Series_whose_labels_hash_alike_as_text_are_both_served()
    {
        // Issue 12, item 7: FNV-1a with U+FFFF separators gave these two series one hash.
        var series = await SeriesOfAsync(
            "coll2",
            Group(GroupingKey.ForJob("zz", ("instance", "i1")), "coll2{a=\"b\",c=\"d\"} 1\n"),
            Group(GroupingKey.ForJob("zz"), "coll2{a=\"b\uFFFFc\uFFFFd\",instance=\"i1\"} 2\n"));
        Assert.Equal(2, series.Count);
    }

    [Fact]
    public async Task A_series_given_by_two_groups_is_served_once()
    {
        var series = await SeriesOfAsync(
            "dup",
            Group(GroupingKey.ForJob("zz", ("instance", "i1")), "dup 1\n"),
            Group(GroupingKey.ForJob("zz"), "dup{instance=\"i1\"} 2\n"));
        Assert.Equal(["instance=i1,job=zz"], series);
    }

    private static readonly Gen<(string Family, Metric Metric)> Series =
        from family in Gen.Elements("m", "m\uFFFF", "")
        from labels in GroupingKeyPropertyTests.UpTo(4,
            from name in Gen.Elements("a", "b", "c", "\uFFFF", "")
            from value in GroupingKeyPropertyTests.Text
            select new LabelPair { Name = name, Value = value })
        select (family, Metric(labels));

    private static Metric Metric(IEnumerable<LabelPair> labels)
    {
        var metric = new Metric();
        metric.Label.AddRange(labels);
        return metric;
    }

    private static bool Same((string Family, Metric Metric) x, (string Family, Metric Metric) y) =>
        x.Family == y.Family && x.Metric.Label.Select(l => (l.Name, l.Value)).SequenceEqual(y.Metric.Label.Select(l => (l.Name, l.Value)));

    [Property(MaxTest = 5000)]
    public Property Series_identities_and_signatures_are_equal_only_for_equal_series() =>
        Prop.ForAll(Series.ToArbitrary(), Series.ToArbitrary(), (x, y) =>
        {
            var same = Same(x, y);
            var a = new SeriesIdentity(x.Family, x.Metric);
            var b = new SeriesIdentity(y.Family, y.Metric);
            return same == a.Equals(b)
                && (!same || a.GetHashCode() == b.GetHashCode())
                && same == (PushValidator.SeriesSignature(x.Family, x.Metric) == PushValidator.SeriesSignature(y.Family, y.Metric));
        });
}
