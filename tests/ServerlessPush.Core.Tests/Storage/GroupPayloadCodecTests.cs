using ServerlessPush.Core.Model;
using ServerlessPush.Core.Tests.Gateway;
using ServerlessPush.Storage.Tables;

namespace ServerlessPush.Core.Tests.Storage;

/// <summary><see cref="GroupPayloadCodec"/>: families and their push times survive the round trip, large ones compressed.</summary>
public sealed class GroupPayloadCodecTests
{
    private static readonly DateTimeOffset T = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_small_group_round_trips_uncompressed_with_each_familys_push_time()
    {
        List<PushedFamily> families =
        [
            new(InMemoryGateway.Parse("# HELP x help\n# TYPE x gauge\nx{a=\"1\"} 1.5\n")[0], T),
            new(InMemoryGateway.Parse("y 2\n")[0], T.AddSeconds(1)),
        ];
        var (bytes, encoding) = GroupPayloadCodec.Encode(families);
        Assert.Equal(GroupPayloadCodec.Plain, encoding);
        var decoded = GroupPayloadCodec.Decode(bytes, encoding);
        Assert.Equal(families.Select(f => (f.Family, f.PushedAt)), decoded.Select(f => (f.Family, f.PushedAt)));
    }

    [Fact]
    public void A_large_repetitive_group_is_compressed_and_round_trips()
    {
        var body = string.Concat(Enumerable.Range(0, 5000).Select(i => $"m{{instance=\"host-{i}\",path=\"/api/v1/items\"}} {i}\n"));
        List<PushedFamily> families = [new(InMemoryGateway.Parse(body)[0], T)];
        var (bytes, encoding) = GroupPayloadCodec.Encode(families);
        Assert.Equal(GroupPayloadCodec.Zlib, encoding);
        Assert.True(bytes.Length < body.Length / 4, $"{bytes.Length} bytes for {body.Length} of text");
        Assert.Equal(families[0].Family, Assert.Single(GroupPayloadCodec.Decode(bytes, encoding)).Family);
    }

    [Fact]
    public void A_group_too_large_for_one_entity_uncompressed_round_trips_at_the_better_level()
    {
        // 60,000 series: several MiB of protobuf, above the inline limit, so the slower level is used.
        var body = string.Concat(Enumerable.Range(0, 60_000).Select(i => $"m{{shard=\"{i}\",zone=\"z{i % 7}\"}} {i * 0.5}\n"));
        List<PushedFamily> families = [new(InMemoryGateway.Parse(body)[0], T)];
        var (bytes, encoding) = GroupPayloadCodec.Encode(families);
        Assert.Equal(GroupPayloadCodec.Zlib, encoding);
        Assert.Equal(families[0].Family, Assert.Single(GroupPayloadCodec.Decode(bytes, encoding)).Family);
    }
}
