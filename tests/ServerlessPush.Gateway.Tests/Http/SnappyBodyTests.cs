using System.IO.Compression;
using System.Text;
using ServerlessPush.Http;
using Snappier;

namespace ServerlessPush.Gateway.Tests.Http;

/// <summary>The snappy decoder on its own: framed (as Pushgateway 1.6+ reads it) and block (as the Python client sends it).</summary>
public class SnappyBodyTests
{
    private static readonly byte[] Text = Encoding.UTF8.GetBytes("# TYPE m counter\nm{a=\"1\"} 42\n");

    [Fact]
    public void A_framed_stream_is_decoded()
    {
        var decoded = SnappyBody.Decode(Framed(Text), 1024);
        Assert.Equal(((string?)null, false), (decoded.Error, decoded.TooLarge));
        Assert.Equal(Text, decoded.Data);
    }

    [Fact]
    public void A_block_is_decoded()
    {
        var decoded = SnappyBody.Decode(Snappy.CompressToArray(Text), 1024);
        Assert.Equal(((string?)null, false), (decoded.Error, decoded.TooLarge));
        Assert.Equal(Text, decoded.Data);
    }

    [Fact]
    public void An_empty_body_is_empty()
    {
        Assert.Equal([], SnappyBody.Decode([], 1024).Data!);
    }

    [Fact]
    public void Plain_text_is_corrupt_input_not_a_body()
    {
        var decoded = SnappyBody.Decode(Text, 1024);
        Assert.Null(decoded.Data);
        Assert.StartsWith("snappy: corrupt input", decoded.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_framed_stream_with_a_broken_chunk_is_corrupt()
    {
        var framed = Framed(Text);
        framed[^3] ^= 0xFF;
        var decoded = SnappyBody.Decode(framed, 1024);
        Assert.Null(decoded.Data);
        Assert.StartsWith("snappy: corrupt framed input", decoded.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Past_the_limit_is_too_large(bool framed)
    {
        var big = new byte[100_000];
        var body = framed ? Framed(big) : Snappy.CompressToArray(big);
        Assert.True(SnappyBody.Decode(body, 99_999).TooLarge);
        Assert.Equal(100_000, SnappyBody.Decode(body, 100_000).Data!.Length);
    }

    public static byte[] Framed(byte[] data)
    {
        using var output = new MemoryStream();
        using (var snappy = new SnappyStream(output, CompressionMode.Compress, leaveOpen: true))
        {
            snappy.Write(data);
        }
        return output.ToArray();
    }
}
