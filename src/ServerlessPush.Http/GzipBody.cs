using System.IO.Compression;

namespace ServerlessPush.Http;

/// <summary>
/// Decodes a gzip request body the way the reference's streaming reader (Go compress/gzip, multistream)
/// presents it to the body parser: the bytes it could inflate, plus the error it then hit, if any.
/// A header error before any data is <see cref="HeaderError"/>; an error after data (truncated stream:
/// <c>unexpected EOF</c>, bad trailer: <c>gzip: invalid checksum</c>, junk after a member:
/// <c>gzip: invalid header</c>) is a <see cref="TrailingError"/>, which the parsers only report when they
/// are in the middle of something (the reference's text parser ignores read errors at a line start).
/// </summary>
public readonly record struct GzipBody(byte[]? Data, string? HeaderError, string? TrailingError, bool TooLarge)
{
    private const byte Id1 = 0x1F, Id2 = 0x8B, Deflate = 8;
    private const byte FlagHcrc = 2, FlagExtra = 4, FlagName = 8, FlagComment = 16;

    public static GzipBody Decode(byte[] raw, long limit)
    {
        // Fast path: one member whose trailer matches what was inflated.
        var output = new MemoryStream();
        try
        {
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            if (!CopyLimited(gzip, output, limit))
            {
                return new GzipBody(null, null, null, true);
            }
            if (raw.Length >= 18 && raw[0] == Id1 && raw[1] == Id2 && raw[2] == Deflate
                && TrailerMatches(raw.AsSpan(raw.Length - 8), output.GetBuffer().AsSpan(0, (int)output.Length)))
            {
                return new GzipBody(output.ToArray(), null, null, false);
            }
        }
        catch (InvalidDataException)
        {
            // Handled precisely below.
        }
        return DecodeMembers(raw, limit);
    }

    /// <summary>Member by member, knowing exactly where each deflate stream ends.</summary>
    private static GzipBody DecodeMembers(byte[] raw, long limit)
    {
        var output = new MemoryStream();
        var pos = 0;
        var first = true;
        while (true)
        {
            if (!first && pos == raw.Length)
            {
                return new GzipBody(output.ToArray(), null, null, false);
            }
            var header = ReadHeader(raw, pos, out var dataStart);
            if (header is not null)
            {
                return first
                    ? new GzipBody(null, header, null, false)
                    : new GzipBody(output.ToArray(), null, header, false);
            }
            first = false;
            var start = output.Length;
            var input = new OneByteStream(raw, dataStart);
            try
            {
                using var deflate = new DeflateStream(input, CompressionMode.Decompress, leaveOpen: true);
                if (!CopyLimited(deflate, output, limit))
                {
                    return new GzipBody(null, null, null, true);
                }
            }
            catch (InvalidDataException)
            {
                return new GzipBody(output.ToArray(), null, "flate: corrupt input before offset " + input.Position, false);
            }
            pos = (int)input.Position;
            if (raw.Length - pos < 8)
            {
                return new GzipBody(output.ToArray(), null, "unexpected EOF", false);
            }
            if (!TrailerMatches(raw.AsSpan(pos, 8), output.GetBuffer().AsSpan((int)start, (int)(output.Length - start))))
            {
                return new GzipBody(output.ToArray(), null, "gzip: invalid checksum", false);
            }
            pos += 8;
        }
    }

    /// <summary>Null if a valid member header starts at <paramref name="pos"/>, else Go's error.</summary>
    private static string? ReadHeader(byte[] raw, int pos, out int dataStart)
    {
        dataStart = 0;
        if (raw.Length - pos < 10)
        {
            return raw.Length == pos ? "EOF" : "unexpected EOF";
        }
        if (raw[pos] != Id1 || raw[pos + 1] != Id2 || raw[pos + 2] != Deflate)
        {
            return "gzip: invalid header";
        }
        var flags = raw[pos + 3];
        var p = pos + 10;
        if ((flags & FlagExtra) != 0)
        {
            if (raw.Length - p < 2)
            {
                return "unexpected EOF";
            }
            p += 2 + (raw[p] | (raw[p + 1] << 8));
        }
        foreach (var flag in new[] { FlagName, FlagComment })
        {
            if ((flags & flag) != 0)
            {
                while (p < raw.Length && raw[p] != 0)
                {
                    p++;
                }
                p++;
            }
        }
        if ((flags & FlagHcrc) != 0)
        {
            p += 2;
        }
        if (p > raw.Length)
        {
            return "unexpected EOF";
        }
        dataStart = p;
        return null;
    }

    private static bool CopyLimited(Stream from, MemoryStream to, long limit)
    {
        var buffer = new byte[81920];
        int read;
        while ((read = from.Read(buffer)) > 0)
        {
            if (to.Length + read > limit)
            {
                return false;
            }
            to.Write(buffer, 0, read);
        }
        return true;
    }

    private static bool TrailerMatches(ReadOnlySpan<byte> trailer, ReadOnlySpan<byte> data)
    {
        var crc = BitConverter.ToUInt32(trailer[..4]);
        var size = BitConverter.ToUInt32(trailer[4..]);
        return size == (uint)data.Length && crc == Crc32(data);
    }

    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++)
        {
            c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        return c;
    }).ToArray();

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        }
        return c ^ 0xFFFFFFFFu;
    }

    /// <summary>Hands the inflater one byte per read, so that where it stops is where the deflate data ends.</summary>
    private sealed class OneByteStream(byte[] data, int start) : Stream
    {
        private int _pos = start;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _pos; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            if (_pos >= data.Length || buffer.IsEmpty)
            {
                return 0;
            }
            buffer[0] = data[_pos++];
            return 1;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
