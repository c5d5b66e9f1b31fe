using Google.Protobuf;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Metrics;
using static ServerlessPush.Core.Tests.Exposition.GoldenFixture;

namespace ServerlessPush.Core.Tests.Exposition;

public class ProtobufDelimitedTests
{
    [Fact]
    public void Protobuf_scrape_matches_reference_bytes()
    {
        var families = FamilyMerger.ForScrape([GoldenGroups.Group1(), GoldenGroups.Group2()])
            .Where(f => !TimestampGauges.IsTimestampGaugeName(f.Name));
        Assert.Equal(Convert.FromBase64String(ReferenceGoldens.ProtobufScrapeBase64), ProtobufDelimited.WriteToArray(families));
    }

    [Fact]
    public async Task WriteAsync_equals_sync_write()
    {
        var families = GoldenFixture.Group1();
        using var stream = new MemoryStream();
        await ProtobufDelimited.WriteAsync(stream, families);
        Assert.Equal(ProtobufDelimited.WriteToArray(families), stream.ToArray());
    }

    [Fact]
    public void Round_trip_keeps_every_family()
    {
        var families = GoldenFixture.Group1();
        var read = ProtobufDelimited.Read(ProtobufDelimited.WriteToArray(families));
        Assert.Equal(families, read);
    }

    [Fact]
    public void Empty_body_is_an_empty_list()
    {
        Assert.Empty(ProtobufDelimited.Read([]));
    }

    [Fact]
    public void Same_name_twice_the_last_wins()
    {
        var first = Family("x", MetricType.Gauge, "first", Series(m => m.Gauge = new Gauge { Value = 1 }));
        var other = Family("y", MetricType.Gauge, null, Series(m => m.Gauge = new Gauge { Value = 2 }));
        var second = Family("x", MetricType.Gauge, "second", Series(m => m.Gauge = new Gauge { Value = 3 }));
        var read = ProtobufDelimited.Read(ProtobufDelimited.WriteToArray([first, other, second]));
        Assert.Equal(["x", "y"], read.Select(f => f.Name));
        Assert.Equal("second", read[0].Help);
    }

    // Error cases as answered by the reference 1.5.1 (curl with the bytes below).
    [Theory]
    [InlineData(new byte[] { 0x05, 0x0a, 0x01 }, "unexpected EOF")] // message cut short
    [InlineData(new byte[] { 0x02, 0xff, 0xff }, "unexpected EOF")] // field cut short inside the message
    [InlineData(new byte[] { 0x02, 0x0a, 0x05 }, "unexpected EOF")] // length-delimited field beyond the message
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, "invalid varint32 encountered")]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80 }, "invalid varint32 encountered")]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00 }, "unexpected EOF")] // 4 GiB claimed, 1 byte present
    [InlineData(new byte[] { 0x03, 0x0a, 0x01, (byte)'y', 0x02, 0x0a }, "unexpected EOF")] // second message truncated
    public void Malformed_bodies_fail_with_the_reference_message(byte[] body, string message)
    {
        var e = Assert.Throws<Core.Exposition.ExpositionFormatException>(() => ProtobufDelimited.Read(body));
        Assert.Equal(message, e.Message);
        Assert.Null(e.LineNumber);
    }

    [Fact]
    public void Huge_claimed_length_does_not_allocate_it()
    {
        // 2^35-1 claimed: must fail on length, not try to allocate 32 GiB.
        byte[] body = [0xff, 0xff, 0xff, 0xff, 0x7f, 0x0a, 0x01, (byte)'x'];
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<Core.Exposition.ExpositionFormatException>(() => ProtobufDelimited.Read(body));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
    }

    // Reference quirks (1.5.1 answers 200): the stream ends cleanly inside or right after a length prefix.
    [Theory]
    [InlineData(new byte[] { 0x05 })]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 0x0f })]
    public void Eof_in_or_right_after_a_prefix_ends_the_stream(byte[] body)
    {
        Assert.Empty(ProtobufDelimited.Read(body));
    }

    [Fact]
    public void Trailing_prefix_after_a_message_keeps_the_message()
    {
        byte[] body = [0x03, 0x0a, 0x01, (byte)'y', 0x05];
        Assert.Equal("y", Assert.Single(ProtobufDelimited.Read(body)).Name);
    }

    [Fact]
    public void Zero_length_message_is_an_empty_family()
    {
        var f = Assert.Single(ProtobufDelimited.Read([0x00]));
        Assert.Equal(string.Empty, f.Name);
    }

    [Fact]
    public void Unknown_fields_and_enum_values_are_kept()
    {
        // type = 9 (unknown enum) and field 1 with the wrong wire type: both accepted by the reference.
        var read = ProtobufDelimited.Read([0x04, 0x18, 0x09, 0x08, 0x01]);
        var f = Assert.Single(read);
        Assert.Equal(9, (int)f.Type);
        var again = ProtobufDelimited.WriteToArray(read);
        Assert.Equal(new byte[] { 0x04, 0x18, 0x09, 0x08, 0x01 }, again);
    }

    [Fact]
    public void Invalid_tag_gives_a_proto_error()
    {
        var e = Assert.Throws<Core.Exposition.ExpositionFormatException>(() => ProtobufDelimited.Read([0x02, 0x00, 0x00]));
        Assert.StartsWith("proto: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Written_prefix_is_the_message_size_as_varint()
    {
        var f = Family(new string('n', 200), MetricType.Untyped, null);
        var bytes = ProtobufDelimited.WriteToArray([f]);
        var size = f.CalculateSize();
        Assert.Equal(size + CodedOutputStream.ComputeLengthSize(size), bytes.Length);
        Assert.Equal((byte)(size & 0x7f | 0x80), bytes[0]);
    }
}
