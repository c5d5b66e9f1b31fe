using FsCheck;
using FsCheck.Xunit;
using Google.Protobuf.Collections;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Otlp;

namespace ServerlessPush.Core.Tests.Otlp;

public sealed class NativeHistogramsTests
{
    [Fact]
    public void Gaps_of_more_than_two_empty_buckets_start_a_new_span()
    {
        var spans = new RepeatedField<BucketSpan>();
        var deltas = new RepeatedField<long>();
        NativeHistograms.Encode([(-2, 1), (0, 3), (4, 2)], spans, deltas);
        Assert.Equal([(-2, 3U), (3, 1U)], spans.Select(s => (s.Offset, s.Length)));
        Assert.Equal([1L, -1L, 3L, -1L], deltas);
    }

    [Property]
    public bool Decode_inverts_encode(int[] raw)
    {
        var buckets = raw.Select(i => (long)(i % 1000)).Distinct().Order().Select(i => (i, (ulong)(Math.Abs(i) % 7 + 1))).ToList();
        var spans = new RepeatedField<BucketSpan>();
        var deltas = new RepeatedField<long>();
        NativeHistograms.Encode(buckets, spans, deltas);
        return NativeHistograms.Decode(spans, deltas).Where(b => b.Count > 0).SequenceEqual(buckets);
    }
}
