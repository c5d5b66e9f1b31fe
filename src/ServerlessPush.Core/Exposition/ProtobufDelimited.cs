using System.Buffers;
using Google.Protobuf;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Exposition;

/// <summary>
/// The protobuf exposition format: a stream of <c>MetricFamily</c> messages, each preceded by
/// its length as a varint (<c>application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
/// encoding=delimited</c>).
/// </summary>
public static class ProtobufDelimited
{
    public const string ContentType =
        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    /// <summary>The reference's message for a truncated message (Go <c>io.ErrUnexpectedEOF</c>).</summary>
    public const string UnexpectedEof = "unexpected EOF";

    /// <summary>The reference's message for a length prefix longer than 5 bytes (pbutil).</summary>
    public const string InvalidVarint = "invalid varint32 encountered";

    private const int MaxVarint32Length = 5;

    /// <summary>
    /// Reads a push body the way the reference does (pbutil <c>ReadDelimited</c> in a loop):
    /// families in body order; for two families of the same name the later one replaces the
    /// earlier (at the earlier one's position); an empty body gives an empty list.
    /// </summary>
    /// <remarks>
    /// Matched reference quirks (observed on 1.5.1): input that ends inside a length prefix, or
    /// right after a length prefix, is a clean end of stream (so <c>0x05</c> alone is an empty
    /// push); a zero length prefix yields an empty family. A message cut short or an invalid
    /// field inside a message gives <see cref="UnexpectedEof"/>; a prefix of 5 bytes that all have
    /// the continuation bit gives <see cref="InvalidVarint"/>. Nothing is allocated from a
    /// claimed length: messages are parsed from slices of the input.
    /// Other malformed messages give <c>proto: …</c> with the parser's own words, which differ
    /// from Go's.
    /// </remarks>
    /// <exception cref="ExpositionFormatException">The body is not a valid delimited stream.</exception>
    public static List<MetricFamily> Read(ReadOnlySpan<byte> body) => Read(body, int.MaxValue);

    /// <summary>
    /// As <see cref="Read(ReadOnlySpan{byte})"/>, but gives up (with
    /// <see cref="ExpositionFormatException.LimitExceeded"/>) before parsing a message that would take
    /// the push past <paramref name="maxSeries"/> series or families: the metrics of a message are
    /// counted on the wire first, so a body of empty metrics cannot become millions of objects.
    /// </summary>
    public static List<MetricFamily> Read(ReadOnlySpan<byte> body, int maxSeries)
    {
        var result = new List<MetricFamily>();
        long series = 0;
        var messages = 0;
        Dictionary<string, int>? indexByName = null;
        var pos = 0;
        while (pos < body.Length)
        {
            // Length prefix: at most 5 bytes; the value may still exceed 32 bits (Go decodes
            // it as a 64-bit varint).
            ulong length = 0;
            var shift = 0;
            var prefixLength = 0;
            var complete = false;
            while (prefixLength < MaxVarint32Length)
            {
                if (pos + prefixLength >= body.Length)
                {
                    return result; // EOF inside the prefix: the reference stops cleanly.
                }
                var b = body[pos + prefixLength];
                prefixLength++;
                length |= (ulong)(b & 0x7F) << shift;
                shift += 7;
                if ((b & 0x80) == 0)
                {
                    complete = true;
                    break;
                }
            }
            if (!complete)
            {
                throw new ExpositionFormatException(InvalidVarint);
            }
            pos += prefixLength;
            var remaining = body.Length - pos;
            if (remaining == 0 && length > 0)
            {
                return result; // io.ReadFull read nothing: io.EOF, a clean end for the reference.
            }
            if (length > (ulong)remaining)
            {
                throw new ExpositionFormatException(UnexpectedEof);
            }
            var message = body.Slice(pos, (int)length);
            series += CountMetrics(message);
            if (++messages > maxSeries || series > maxSeries)
            {
                throw new ExpositionFormatException($"push has more than the limit of {maxSeries} series") { LimitExceeded = true };
            }
            var family = Parse(message);
            pos += (int)length;

            indexByName ??= new Dictionary<string, int>(StringComparer.Ordinal);
            if (indexByName.TryGetValue(family.Name, out var existing))
            {
                result[existing] = family;
            }
            else
            {
                indexByName.Add(family.Name, result.Count);
                result.Add(family);
            }
        }
        return result;
    }

    /// <summary>Writes each family as varint length + message.</summary>
    public static void Write(IBufferWriter<byte> output, IEnumerable<MetricFamily> families)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(families);
        foreach (var family in families)
        {
            WriteFamily(output, family);
        }
    }

    /// <summary>Writes one family as varint length + message.</summary>
    public static void WriteFamily(IBufferWriter<byte> output, MetricFamily family)
    {
        var size = family.CalculateSize();
        var span = output.GetSpan(MaxVarint32Length);
        var n = 0;
        var v = (uint)size;
        while (v >= 0x80)
        {
            span[n++] = (byte)(v | 0x80);
            v >>= 7;
        }
        span[n++] = (byte)v;
        output.Advance(n);
        family.WriteTo(output);
    }

    /// <summary>Streams the families to <paramref name="stream"/> through a pooled buffer.</summary>
    public static async Task WriteAsync(Stream stream, IEnumerable<MetricFamily> families, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(families);
        using var buffer = new PooledBufferWriter();
        foreach (var family in families)
        {
            WriteFamily(buffer, family);
            if (buffer.WrittenCount >= TextFormatWriter.FlushThreshold)
            {
                await buffer.FlushToAsync(stream, cancellationToken).ConfigureAwait(false);
            }
        }
        await buffer.FlushToAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the families to a new byte array (tests, small outputs).</summary>
    public static byte[] WriteToArray(IEnumerable<MetricFamily> families)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, families);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Occurrences of field 4 (<c>metric</c>) at the top level of a MetricFamily message, read from
    /// the wire without parsing. Stops at the first malformed field (the parser then reports it).
    /// </summary>
    internal static int CountMetrics(ReadOnlySpan<byte> message)
    {
        var count = 0;
        var pos = 0;
        while (pos < message.Length)
        {
            if (!TryReadVarint(message, ref pos, out var tag))
            {
                return count;
            }
            var field = tag >> 3;
            switch (tag & 7)
            {
                case 0:
                    if (!TryReadVarint(message, ref pos, out _))
                    {
                        return count;
                    }
                    break;
                case 1:
                    pos += 8;
                    break;
                case 5:
                    pos += 4;
                    break;
                case 2:
                    if (!TryReadVarint(message, ref pos, out var length) || length > (ulong)(message.Length - pos))
                    {
                        return count;
                    }
                    pos += (int)length;
                    if (field == 4)
                    {
                        count++;
                    }
                    break;
                default:
                    return count;
            }
        }
        return count;
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int pos, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && pos < data.Length; shift += 7)
        {
            var b = data[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }
        return false;
    }

    private static MetricFamily Parse(ReadOnlySpan<byte> message)
    {
        try
        {
            return MetricFamily.Parser.ParseFrom(message);
        }
        catch (InvalidProtocolBufferException e)
        {
            // Go reports a field cut short inside the message as io.ErrUnexpectedEOF too.
            if (e.Message.Contains("ended unexpectedly", StringComparison.Ordinal)
                || e.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase))
            {
                throw new ExpositionFormatException(UnexpectedEof);
            }
            throw new ExpositionFormatException("proto: " + e.Message);
        }
    }
}
