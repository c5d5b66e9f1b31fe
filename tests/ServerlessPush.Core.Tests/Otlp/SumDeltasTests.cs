using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Otlp;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Core.Tests.Otlp;

public sealed class SumDeltasTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static MetricFamily CounterFamily(double value, string label = "a") => new()
    {
        Name = "jobs_total",
        Type = MetricType.Counter,
        Metric = { new Metric { Label = { new LabelPair { Name = "kind", Value = label } }, Counter = new Counter { Value = value } } },
    };

    private static MetricGroup Stored(params MetricFamily[] families) =>
        new(GroupingKey.ForJob("j"), families.Select(f => new PushedFamily(f, Now.AddMinutes(-1))).ToList(), Now.AddMinutes(-1), null, null, null);

    private static GroupContent Apply(MetricGroup? current, MetricFamily pushed, string? delta = "jobs_total") =>
        new SumDeltas([new PushedFamily(pushed, Now)], new HashSet<string>(delta is null ? [] : [delta]), Now,
            written => new ReplaceFamilies(written, Now, null)).Apply(current);

    [Fact]
    public void A_delta_is_added_to_the_stored_series_with_the_same_labels()
    {
        var content = Apply(Stored(CounterFamily(10)), CounterFamily(3));
        Assert.Equal(13, content.Families.Single().Family.Metric[0].Counter.Value);
    }

    [Fact]
    public void A_new_series_or_an_absent_group_starts_from_the_delta()
    {
        Assert.Equal(3, Apply(Stored(CounterFamily(10, "other")), CounterFamily(3)).Families.Single().Family.Metric[0].Counter.Value);
        Assert.Equal(3, Apply(null, CounterFamily(3)).Families.Single().Family.Metric[0].Counter.Value);
    }

    [Fact]
    public void The_pushed_family_is_not_changed_so_a_retried_apply_adds_once()
    {
        var pushed = CounterFamily(3);
        var mutation = new SumDeltas([new PushedFamily(pushed, Now)], new HashSet<string> { "jobs_total" }, Now, w => new ReplaceFamilies(w, Now, null));
        mutation.Apply(Stored(CounterFamily(10)));
        Assert.Equal(15, mutation.Apply(Stored(CounterFamily(12))).Families.Single().Family.Metric[0].Counter.Value);
        Assert.Equal(3, pushed.Metric[0].Counter.Value);
    }

    [Fact]
    public void Classic_histograms_add_bucket_by_bucket()
    {
        static MetricFamily H(ulong a, ulong b, double sum) => new()
        {
            Name = "d_seconds",
            Type = MetricType.Histogram,
            Metric = { new Metric { Histogram = new Histogram { SampleCount = b, SampleSum = sum, Bucket = { new Bucket { UpperBound = 1, CumulativeCount = a }, new Bucket { UpperBound = double.PositiveInfinity, CumulativeCount = b } } } } },
        };
        var histogram = Apply(Stored(H(1, 2, 3)), H(2, 5, 4), "d_seconds").Families.Single().Family.Metric[0].Histogram;
        Assert.Equal((7UL, 7.0), (histogram.SampleCount, histogram.SampleSum));
        Assert.Equal([3UL, 7UL], histogram.Bucket.Select(b => b.CumulativeCount));
    }

    [Fact]
    public void Native_histograms_add_at_the_coarser_schema()
    {
        static MetricFamily N(int schema, params (long Index, ulong Count)[] buckets)
        {
            var h = new Histogram { Schema = schema, ZeroThreshold = 1e-128, SampleCount = (ulong)buckets.Sum(b => (long)b.Count) };
            NativeHistograms.Encode(buckets, h.PositiveSpan, h.PositiveDelta);
            return new MetricFamily { Name = "l", Type = MetricType.Histogram, Metric = { new Metric { Histogram = h } } };
        }
        // Schema 1 buckets 1 and 2 are schema 0 bucket 1 ((index-1)>>1)+1; schema 0 bucket 1 holds 4.
        var histogram = Apply(Stored(N(0, (1, 4))), N(1, (1, 1), (2, 2)), "l").Families.Single().Family.Metric[0].Histogram;
        Assert.Equal(0, histogram.Schema);
        Assert.Equal([(1L, 7UL)], NativeHistograms.Decode(histogram.PositiveSpan, histogram.PositiveDelta));
        Assert.Equal(7UL, histogram.SampleCount);
    }

    [Fact]
    public void Cumulative_families_are_written_as_pushed()
    {
        Assert.Equal(3, Apply(Stored(CounterFamily(10)), CounterFamily(3), delta: null).Families.Single().Family.Metric[0].Counter.Value);
    }
}
