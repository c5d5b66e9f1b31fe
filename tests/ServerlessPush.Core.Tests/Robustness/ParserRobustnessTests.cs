using System.Diagnostics;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Tests.Robustness;

/// <summary>
/// Hostile input for both push parsers: whatever the bytes, the only exception is
/// <see cref="ExpositionFormatException"/>, parsing ends quickly, and nothing is allocated from a
/// length the input claims but does not contain. FsCheck properties over random and mutated
/// inputs, then a corpus of known-nasty ones.
/// </summary>
public sealed class ParserRobustnessTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Per input; generous for a loaded 2-core machine, far below what a loop or a blow-up would take.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    private const string ValidText = """
        # HELP http_requests_total The total number of HTTP requests.
        # TYPE http_requests_total counter
        http_requests_total{method="post",code="200"} 1027
        http_requests_total{method="post",code="400"}    3
        # TYPE rpc_duration_seconds summary
        rpc_duration_seconds{quantile="0.5"} 4773
        rpc_duration_seconds{quantile="0.99"} 76656
        rpc_duration_seconds_sum 1.7560473e+07
        rpc_duration_seconds_count 2693
        # TYPE http_request_duration_seconds histogram
        http_request_duration_seconds_bucket{le="0.05"} 24054
        http_request_duration_seconds_bucket{le="+Inf"} 144320
        http_request_duration_seconds_sum 53423
        http_request_duration_seconds_count 144320
        escapes{path="C:\\dir\\", quote="say \"hi\"", nl="a\nb"} -Inf
        untyped_metric NaN

        """;

    private static byte[] ValidProtobuf()
    {
        var families = TextFormatParser.Parse(Encoding.UTF8.GetBytes(ValidText));
        return ProtobufDelimited.WriteToArray(families);
    }

    private static void ParsesOrRefuses(byte[] input)
    {
        ParseOnlyFailsCleanly(() => TextFormatParser.Parse(input), input, "text");
        ParseOnlyFailsCleanly(() => ProtobufDelimited.Read(input), input, "protobuf");
        ParseOnlyFailsCleanly(() => TextFormatParser.Parse(input, 10), input, "text, limit 10");
        ParseOnlyFailsCleanly(() => ProtobufDelimited.Read(input, 10), input, "protobuf, limit 10");
    }

    private static void ParseOnlyFailsCleanly(Func<List<MetricFamily>> parse, byte[] input, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        try
        {
            parse();
        }
        catch (ExpositionFormatException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message), $"{what}: an error without a reason");
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name} escaped for input {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 200)))}: {e.Message}");
        }
        Assert.True(stopwatch.Elapsed < Budget, $"{what}: {input.Length} bytes took {stopwatch.Elapsed}");
    }

    // ---- properties --------------------------------------------------------------------

    [Property(MaxTest = 1000)]
    public void Random_bytes_only_give_parse_errors(byte[] input) => ParsesOrRefuses(input);

    [Property(MaxTest = 500)]
    public void Random_text_of_exposition_characters_only_gives_parse_errors(NonEmptyString pieces)
    {
        // Strings over the characters that steer the text parser, so it gets deep into its states.
        const string alphabet = "ab_:{}=\",\\\n #\t.eE+-0123456789NaInf\u00ff\0";
        var text = new StringBuilder();
        foreach (var c in pieces.Get)
        {
            text.Append(alphabet[c % alphabet.Length]);
        }
        ParsesOrRefuses(Encoding.UTF8.GetBytes(text.ToString()));
    }

    [Property(MaxTest = 500)]
    public void Mutated_valid_text_only_gives_parse_errors(NonNegativeInt position, byte value, bool insert, PositiveInt cut) =>
        ParsesOrRefuses(Mutate(Encoding.UTF8.GetBytes(ValidText), position.Get, value, insert, cut.Get));

    [Property(MaxTest = 500)]
    public void Mutated_valid_protobuf_only_gives_parse_errors(NonNegativeInt position, byte value, bool insert, PositiveInt cut) =>
        ParsesOrRefuses(Mutate(ValidProtobuf(), position.Get, value, insert, cut.Get));

    [Fact]
    public void Every_truncation_of_valid_protobuf_only_gives_parse_errors()
    {
        var valid = ValidProtobuf();
        for (var length = 0; length <= valid.Length; length++)
        {
            ParsesOrRefuses(valid[..length]);
        }
    }

    [Property(MaxTest = 200)]
    public Property Valid_text_round_trips_through_protobuf()
    {
        // Sanity for the generators above: what the text parser accepts, the protobuf reader reads back.
        var lines = Gen.Elements("a 1", "b{x=\"1\"} 2", "c_total 3", "# TYPE d gauge", "d 4", "e{y=\"\\\"\"} 5");
        return Prop.ForAll(Gen.ListOf(lines).ToArbitrary(), chosen =>
        {
            var text = Encoding.UTF8.GetBytes(string.Join("\n", chosen) + "\n");
            List<MetricFamily> parsed;
            try
            {
                parsed = TextFormatParser.Parse(text);
            }
            catch (ExpositionFormatException)
            {
                return true;
            }
            var back = ProtobufDelimited.Read(ProtobufDelimited.WriteToArray(parsed));
            return back.Select(f => f.ToString()).SequenceEqual(parsed.Select(f => f.ToString()));
        });
    }

    private static byte[] Mutate(byte[] valid, int position, byte value, bool insert, int cut)
    {
        var bytes = valid.ToList();
        var at = position % (bytes.Count + 1);
        if (insert)
        {
            bytes.Insert(at, value);
        }
        else if (at < bytes.Count)
        {
            bytes[at] = value;
        }
        var keep = bytes.Count - (cut % Math.Max(1, bytes.Count / 4));
        return bytes.Take(keep).ToArray();
    }

    private static string Outcome(Func<List<MetricFamily>> parse)
    {
        try
        {
            var families = parse();
            return $"accepted, {families.Count} families, {families.Sum(f => f.Metric.Count)} series";
        }
        catch (ExpositionFormatException e)
        {
            return (e.LimitExceeded ? "limit: " : "error: ") + (e.Message.Length > 90 ? e.Message[..90] + "…" : e.Message);
        }
    }

    // ---- corpus ------------------------------------------------------------------------

    public static TheoryData<string, byte[]> Corpus()
    {
        var data = new TheoryData<string, byte[]>();
        void Add(string name, byte[] bytes) => data.Add(name, bytes);
        void Text(string name, string text) => Add(name, Encoding.UTF8.GetBytes(text));

        // Protobuf framing.
        Add("varint of ten 0xFF", Enumerable.Repeat((byte)0xFF, 10).ToArray());
        Add("varint prefix claiming 2^35 bytes", [0x80, 0x80, 0x80, 0x80, 0x7F, 0x01]);
        Add("length prefix claiming 2 GiB, 3 bytes follow", [0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x0A, 0x01, 0x61]);
        Add("length prefix 0x7FFFFFFF then nothing", [0xFF, 0xFF, 0xFF, 0xFF, 0x07]);
        Add("message with a name claiming 2 GiB", [0x07, 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x61]);
        Add("metric field claiming 2 GiB", [0x07, 0x22, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00]);
        Add("packed doubles claiming 1 GiB inside a metric", [0x0B, 0x0A, 0x01, 0x61, 0x22, 0x06, 0x3A, 0x04, 0xCA, 0x01, 0xFF, 0xFF]);
        Add("invalid wire type 7", [0x02, 0x0F, 0x00]);
        Add("field number 0", [0x02, 0x00, 0x00]);
        Add("group start without end", [0x02, 0x0B, 0x00]);
        Add("invalid UTF-8 in the family name", [0x04, 0x0A, 0x02, 0xC3, 0x28]);
        Add("NUL bytes in the family name", [0x04, 0x0A, 0x02, 0x00, 0x00]);
        Add("unknown enum type 99", [0x04, 0x0A, 0x01, 0x61, 0x18, 0x63]);
        Add("nested metric 200 deep", NestedMetrics(200));
        Add("ten thousand empty metrics in one family", ManyEmptyMetrics(10_000));

        // Text.
        Text("only NUL bytes", new string('\0', 1000));
        Text("NUL in a metric name", "a\0b 1\n");
        Text("NUL in a label value", "a{b=\"\0\"} 1\n");
        Add("invalid UTF-8 in a label value", [.. "a{b=\""u8, 0xC3, 0x28, .. "\"} 1\n"u8]);
        Add("invalid UTF-8 in HELP", [.. "# HELP a "u8, 0xFF, 0xFE, .. "\na 1\n"u8]);
        Add("lone surrogate bytes", [.. "a{b=\""u8, 0xED, 0xA0, 0x80, .. "\"} 1\n"u8]);
        Text("100k backslashes in a label value", "a{b=\"" + new string('\\', 100_000) + "\"} 1\n");
        Text("100k escaped quotes in a label value", "a{b=\"" + string.Concat(Enumerable.Repeat("\\\"", 50_000)) + "\"} 1\n");
        Text("label value never closed", "a{b=\"" + new string('x', 100_000));
        Text("100k opening braces", new string('{', 100_000));
        Text("metric name of 1 MB", new string('a', 1_000_000) + " 1\n");
        Text("1 MB line of spaces", "a" + new string(' ', 1_000_000) + "1\n");
        Text("1 MB of HELP escapes", "# HELP a " + string.Concat(Enumerable.Repeat("\\n", 500_000)) + "\na 1\n");
        Text("10k labels", "a{" + string.Join(",", Enumerable.Range(0, 10_000).Select(i => $"l{i}=\"v\"")) + "} 1\n");
        Text("10k duplicate labels", "a{" + string.Join(",", Enumerable.Repeat("l=\"v\"", 10_000)) + "} 1\n");
        Text("float of 100k digits", "a " + new string('9', 100_000) + "\n");
        Text("timestamp of 100k digits", "a 1 " + new string('9', 100_000) + "\n");
        Text("100k TYPE lines", string.Concat(Enumerable.Range(0, 100_000).Select(i => $"# TYPE m{i} gauge\n")));
        Text("only newlines", new string('\n', 100_000));
        Text("CRLF line ends", "a 1\r\nb 2\r\n");
        Text("unterminated last line", "a 1");
        Text("summary lines with garbage quantiles", "# TYPE s summary\ns{quantile=\"x\"} 1\n");
        Text("histogram le of NaN", "# TYPE h histogram\nh_bucket{le=\"NaN\"} 1\n");
        return data;
    }

    [Theory]
    // Not enumerated at discovery: xunit would serialize the megabyte inputs into every test case (a minute on 2 cores).
    [MemberData(nameof(Corpus), DisableDiscoveryEnumeration = true)]
    public void Malformed_corpus_only_gives_parse_errors_quickly(string name, byte[] input)
    {
        ParsesOrRefuses(input);
        output.WriteLine($"{name}: text -> {Outcome(() => TextFormatParser.Parse(input))}; protobuf -> {Outcome(() => ProtobufDelimited.Read(input))}");
    }

    [Fact]
    public void A_claimed_length_is_never_allocated()
    {
        // 2 GiB claimed, 3 bytes present: had the reader trusted the prefix this would allocate 2 GiB.
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<ExpositionFormatException>(() => ProtobufDelimited.Read([0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x0A, 0x01, 0x61]));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024 * 1024);
    }

    [Fact]
    public void The_series_limit_stops_the_parsers_early()
    {
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 1000).Select(i => $"a{{i=\"{i}\"}} 1\n")));
        Assert.True(Assert.Throws<ExpositionFormatException>(() => TextFormatParser.Parse(text, 999)).LimitExceeded);
        Assert.Equal(1000, TextFormatParser.Parse(text, 1000).Single().Metric.Count);

        var families = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 1000).Select(i => $"# TYPE m{i} gauge\n")));
        Assert.True(Assert.Throws<ExpositionFormatException>(() => TextFormatParser.Parse(families, 100)).LimitExceeded);

        var proto = ManyEmptyMetrics(1000);
        Assert.True(Assert.Throws<ExpositionFormatException>(() => ProtobufDelimited.Read(proto, 999)).LimitExceeded);
        Assert.Equal(1000, ProtobufDelimited.Read(proto, 1000).Single().Metric.Count);
    }

    /// <summary>A family "a" with <paramref name="count"/> empty metrics (2 bytes each on the wire).</summary>
    private static byte[] ManyEmptyMetrics(int count)
    {
        var message = new List<byte> { 0x0A, 0x01, (byte)'a' };
        for (var i = 0; i < count; i++)
        {
            message.Add(0x22);
            message.Add(0x00);
        }
        return [.. Varint(message.Count), .. message];
    }

    /// <summary>Messages nested deeper than any parser should follow (field 4 inside field 4 …, wire-valid lengths).</summary>
    private static byte[] NestedMetrics(int depth)
    {
        byte[] inner = [];
        for (var i = 0; i < depth; i++)
        {
            inner = [0x22, .. Varint(inner.Length), .. inner];
        }
        return [.. Varint(inner.Length), .. inner];
    }

    private static byte[] Varint(int value)
    {
        var bytes = new List<byte>();
        var v = (uint)value;
        while (v >= 0x80)
        {
            bytes.Add((byte)(v | 0x80));
            v >>= 7;
        }
        bytes.Add((byte)v);
        return [.. bytes];
    }
}
