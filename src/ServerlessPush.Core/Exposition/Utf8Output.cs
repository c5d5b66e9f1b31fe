using System.Buffers;
using System.Text;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Exposition;

/// <summary>Small helpers for writing ASCII/UTF-8 pieces into an <see cref="IBufferWriter{T}"/>.</summary>
internal static class Utf8Output
{
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0)
        {
            return;
        }
        var span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }

    public static void Write(IBufferWriter<byte> output, byte b)
    {
        var span = output.GetSpan(1);
        span[0] = b;
        output.Advance(1);
    }

    public static void Write(IBufferWriter<byte> output, string text)
    {
        if (text.Length == 0)
        {
            return;
        }
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var span = output.GetSpan(max);
        var n = Encoding.UTF8.GetBytes(text, span);
        output.Advance(n);
    }

    public static void WriteUInt64(IBufferWriter<byte> output, ulong value)
    {
        var span = output.GetSpan(20);
        value.TryFormat(span, out var n, default, System.Globalization.CultureInfo.InvariantCulture);
        output.Advance(n);
    }

    public static void WriteInt64(IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(20);
        value.TryFormat(span, out var n, default, System.Globalization.CultureInfo.InvariantCulture);
        output.Advance(n);
    }

    /// <summary>
    /// Writes <paramref name="text"/> with <c>\</c> → <c>\\</c>, newline → <c>\n</c> and, if
    /// <paramref name="escapeQuote"/>, <c>"</c> → <c>\"</c> (expfmt <c>writeEscapedString</c>).
    /// </summary>
    public static void WriteEscaped(IBufferWriter<byte> output, string text, bool escapeQuote)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            ReadOnlySpan<byte> replacement;
            if (c == '\\')
            {
                replacement = "\\\\"u8;
            }
            else if (c == '\n')
            {
                replacement = "\\n"u8;
            }
            else if (c == '"' && escapeQuote)
            {
                replacement = "\\\""u8;
            }
            else
            {
                continue;
            }
            if (i > start)
            {
                WriteChars(output, text.AsSpan(start, i - start));
            }
            Write(output, replacement);
            start = i + 1;
        }
        if (start < text.Length)
        {
            WriteChars(output, text.AsSpan(start));
        }
    }

    private static void WriteChars(IBufferWriter<byte> output, ReadOnlySpan<char> chars)
    {
        var max = Encoding.UTF8.GetMaxByteCount(chars.Length);
        var span = output.GetSpan(max);
        var n = Encoding.UTF8.GetBytes(chars, span);
        output.Advance(n);
    }

    /// <summary>
    /// A name as expfmt's <c>writeName</c>: as is when it is a legacy metric name, else quoted with
    /// <c>\</c>, newline and <c>"</c> escaped (only UTF-8 names, <c>Gateway:EnableUtf8Names</c>, are).
    /// </summary>
    public static void WriteName(IBufferWriter<byte> output, string name)
    {
        if (Grouping.LabelNames.IsValidMetricName(name))
        {
            Write(output, name);
            return;
        }
        Write(output, (byte)'"');
        WriteEscaped(output, name, escapeQuote: true);
        Write(output, (byte)'"');
    }

    /// <summary>
    /// <c>{name="value",…}</c> with values escaped, then the synthetic <c>le</c>/<c>quantile</c> label
    /// last (its float written by the format's own rule); nothing when there is no label at all.
    /// </summary>
    /// <param name="afterQuotedName">The <c>{"name"</c> of a UTF-8 metric name is already written: continue with <c>,</c> and always close.</param>
    public static void WriteLabelSet(IBufferWriter<byte> output, IReadOnlyList<LabelPair> labels, ReadOnlySpan<byte> extraLabelName, double extraLabelValue, Action<IBufferWriter<byte>, double> writeFloat, bool afterQuotedName = false)
    {
        if (labels.Count == 0 && extraLabelName.Length == 0)
        {
            if (afterQuotedName)
            {
                Write(output, (byte)'}');
            }
            return;
        }
        var separator = afterQuotedName ? (byte)',' : (byte)'{';
        foreach (var label in labels)
        {
            Write(output, separator);
            WriteName(output, label.Name);
            Write(output, "=\""u8);
            WriteEscaped(output, label.Value, escapeQuote: true);
            Write(output, (byte)'"');
            separator = (byte)',';
        }
        if (extraLabelName.Length > 0)
        {
            Write(output, separator);
            Write(output, extraLabelName);
            Write(output, "=\""u8);
            writeFloat(output, extraLabelValue);
            Write(output, (byte)'"');
        }
        Write(output, (byte)'}');
    }
}
