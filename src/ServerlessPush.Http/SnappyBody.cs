using System.IO.Compression;
using Snappier;

namespace ServerlessPush.Http;

/// <summary>
/// Decodes a <c>Content-Encoding: snappy</c> request body within a size limit. Pushgateway 1.6+ reads
/// the framing format (golang/snappy's <c>NewReader</c>); the Python client's <c>compression='snappy'</c>
/// sends one raw block (python-snappy's <c>compress</c>). Both are accepted: a body that starts with the
/// framing format's stream identifier is framed, anything else is read as a block.
/// </summary>
public readonly record struct SnappyBody(byte[]? Data, string? Error, bool TooLarge)
{
    /// <summary>The stream identifier chunk every framed stream starts with: type 0xFF, length 6, "sNaPpY".</summary>
    private static ReadOnlySpan<byte> StreamIdentifier => [0xFF, 0x06, 0x00, 0x00, (byte)'s', (byte)'N', (byte)'a', (byte)'P', (byte)'p', (byte)'Y'];

    public static SnappyBody Decode(byte[] raw, long limit)
    {
        if (raw.Length == 0)
        {
            return new SnappyBody([], null, false);
        }
        return raw.AsSpan().StartsWith(StreamIdentifier) ? DecodeFramed(raw, limit) : DecodeBlock(raw, limit);
    }

    private static SnappyBody DecodeFramed(byte[] raw, long limit)
    {
        var output = new MemoryStream();
        try
        {
            using var snappy = new SnappyStream(new MemoryStream(raw), CompressionMode.Decompress);
            // Chunks decode to at most 64 KiB each, so reading stops at the limit, not after a bomb has inflated.
            var buffer = new byte[81920];
            int read;
            while ((read = snappy.Read(buffer)) > 0)
            {
                if (output.Length + read > limit)
                {
                    return new SnappyBody(null, null, true);
                }
                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            return new SnappyBody(null, "snappy: corrupt framed input: " + e.Message, false);
        }
        return new SnappyBody(output.ToArray(), null, false);
    }

    private static SnappyBody DecodeBlock(byte[] raw, long limit)
    {
        int length;
        try
        {
            // The block states its decoded length up front: a bomb is refused before anything is allocated.
            length = Snappy.GetUncompressedLength(raw);
        }
        catch (InvalidDataException e)
        {
            return new SnappyBody(null, "snappy: corrupt input: " + e.Message, false);
        }
        if (length > limit)
        {
            return new SnappyBody(null, null, true);
        }
        var output = new byte[length];
        try
        {
            return Snappy.TryDecompress(raw, output, out var written) && written == length
                ? new SnappyBody(output, null, false)
                : new SnappyBody(null, "snappy: corrupt input", false);
        }
        catch (InvalidDataException e)
        {
            return new SnappyBody(null, "snappy: corrupt input: " + e.Message, false);
        }
    }
}
