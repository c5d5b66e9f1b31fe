using System.Text;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Tests.Exposition;

/// <summary>
/// The expected messages and results below were checked against the reference Pushgateway 1.5.1
/// (Debian build) by pushing the same bodies to it and reading its error answer or /metrics.
/// </summary>
public class TextFormatParserTests
{
    /// <summary>Body bytes from a string whose chars are all below U+0100 (one byte per char),
    /// so tests can spell invalid UTF-8 such as "\xff" exactly.</summary>
    private static byte[] B(string latin1)
    {
        var bytes = new byte[latin1.Length];
        for (int i = 0; i < latin1.Length; i++)
        {
            Assert.True(latin1[i] <= 0xFF, "test bodies are written one char per byte");
            bytes[i] = (byte)latin1[i];
        }
        return bytes;
    }

    private static List<MetricFamily> Parse(string body) => TextFormatParser.Parse(B(body));

    private static ExpositionFormatException Fails(string body) =>
        Assert.Throws<ExpositionFormatException>(() => TextFormatParser.Parse(B(body)));

    private static void AssertLabels(Metric m, params string[] nameValuePairs)
    {
        var actual = m.Label.Select(l => $"{l.Name}={l.Value}").ToArray();
        var expected = new List<string>();
        for (int i = 0; i < nameValuePairs.Length; i += 2)
        {
            expected.Add($"{nameValuePairs[i]}={nameValuePairs[i + 1]}");
        }
        Assert.Equal(expected, actual);
    }

    // ---------------------------------------------------------------- accepted bodies

    [Fact]
    public void BlogWalkthroughBodyWithIndentationBlankLinesAndTrailingSpacesParsesIntoTwoGauges()
    {
        const string body = "\n    # TYPE success_rate gauge\n\n    success_rate{target=\"app1\"} 30\n\n    success_rate{target=\"app2\"} 60\n\n    # TYPE duration gauge\n\n    duration{target=\"app1\"} 100\n\n    duration{target=\"app2\"} 80\n\n  ";

        var families = Parse(body);

        Assert.Equal(["success_rate", "duration"], families.Select(f => f.Name));
        Assert.All(families, f => Assert.Equal(MetricType.Gauge, f.Type));
        Assert.All(families, f => Assert.False(f.HasHelp));
        var rate = families[0];
        Assert.Equal(2, rate.Metric.Count);
        AssertLabels(rate.Metric[0], "target", "app1");
        Assert.Equal(30, rate.Metric[0].Gauge.Value);
        AssertLabels(rate.Metric[1], "target", "app2");
        Assert.Equal(60, rate.Metric[1].Gauge.Value);
        var duration = families[1];
        Assert.Equal([100.0, 80.0], duration.Metric.Select(m => m.Gauge.Value));
        Assert.All(duration.Metric, m => Assert.False(m.HasTimestampMs));
    }

    [Fact]
    public void EmptyAndWhitespaceOnlyBodiesGiveNoFamilies()
    {
        Assert.Empty(Parse(""));
        Assert.Empty(Parse("   "));
        Assert.Empty(Parse(" \t \t"));
        Assert.Empty(Parse("\n\n\n"));
        Assert.Empty(Parse("# just a comment\n# \n#\n"));
    }

    [Fact]
    public void TrailingLineOfBlanksAndTabsIsAccepted()
    {
        var families = Parse("m 1\n \t \t");
        Assert.Single(families);
        Assert.Equal(1, families[0].Metric[0].Untyped.Value);
    }

    [Fact]
    public void SampleWithoutTypeIsUntyped()
    {
        var f = Assert.Single(Parse("m 1\n"));
        Assert.Equal("m", f.Name);
        Assert.Equal(MetricType.Untyped, f.Type);
        Assert.True(f.HasType);
        Assert.Equal(1, f.Metric[0].Untyped.Value);
        Assert.Null(f.Metric[0].Gauge);
        Assert.Empty(f.Metric[0].Label);
    }

    [Theory]
    [InlineData("counter", MetricType.Counter)]
    [InlineData("gauge", MetricType.Gauge)]
    [InlineData("Gauge", MetricType.Gauge)]
    [InlineData("GAUGE", MetricType.Gauge)]
    [InlineData("untyped", MetricType.Untyped)]
    [InlineData("UnTyPeD", MetricType.Untyped)]
    [InlineData("CoUnTeR", MetricType.Counter)]
    public void TypeWordsAreCaseInsensitive(string word, MetricType expected)
    {
        var f = Assert.Single(Parse($"# TYPE m {word}\nm 7\n"));
        Assert.Equal(expected, f.Type);
        var m = f.Metric[0];
        double value = expected switch
        {
            MetricType.Counter => m.Counter.Value,
            MetricType.Gauge => m.Gauge.Value,
            _ => m.Untyped.Value,
        };
        Assert.Equal(7, value);
    }

    [Fact]
    public void TypeWordsUpperCaseLikeGoIncludingDotlessIAndLongS()
    {
        // Go's strings.ToUpper maps U+017F (long s) to S and U+0131 (dotless i) to I.
        Assert.Equal(MetricType.Summary, Assert.Single(Parse("# TYPE x \xc5\xbfummary\nx{quantile=\"0.5\"} 1\n")).Type);
        Assert.Equal(MetricType.Histogram, Assert.Single(Parse("# TYPE x h\xc4\xb1stogram\nx_bucket{le=\"1\"} 1\n")).Type);
    }

    [Fact]
    public void BackslashesInTypeWordAreDroppedLikeTheReference()
    {
        Assert.Equal(MetricType.Gauge, Assert.Single(Parse("# TYPE x gau\\ge\nx 1\n")).Type);
    }

    [Fact]
    public void TypeWithoutSpaceAfterHashAndWithTabsCounts()
    {
        Assert.Equal(MetricType.Gauge, Assert.Single(Parse("#TYPE m gauge\nm 1\n")).Type);
        Assert.Equal(MetricType.Counter, Assert.Single(Parse("#\tTYPE\tm\tcounter\nm 1\n")).Type);
        Assert.Equal(MetricType.Gauge, Assert.Single(Parse("# TYPE m   gauge\nm 1\n")).Type);
    }

    [Fact]
    public void GaugeHistogramIsAcceptedAtTypeLineAndItsSamplesCarryNoValue()
    {
        var f = Assert.Single(Parse("# TYPE x gauge_histogram\nx{a=\"b\"} 1\n"));
        Assert.Equal(MetricType.GaugeHistogram, f.Type);
        var m = Assert.Single(f.Metric);
        AssertLabels(m, "a", "b");
        Assert.Null(m.Gauge);
        Assert.Null(m.Untyped);
        Assert.Null(m.Histogram);
    }

    [Fact]
    public void HelpIsKeptWithEscapesAndInnerSpacing()
    {
        var f = Assert.Single(Parse("# HELP m a\\\\b\\nc  d \nm 1\n"));
        Assert.True(f.HasHelp);
        Assert.Equal("a\\b\nc  d ", f.Help);
    }

    [Fact]
    public void HelpAfterSamplesIsAccepted()
    {
        var f = Assert.Single(Parse("m 1\n# HELP m some help\n"));
        Assert.Equal("some help", f.Help);
    }

    [Fact]
    public void HelpOrTypeWithoutTextIsIgnored()
    {
        var f = Assert.Single(Parse("# HELP m\n# TYPE m \nm 1\n"));
        Assert.False(f.HasHelp);
        Assert.Equal(MetricType.Untyped, f.Type);
    }

    [Fact]
    public void OtherCommentsAreIgnored()
    {
        var families = Parse("# EOF\n# UNIT m seconds\n# HELPX m x\n#\n# TYPEm\nm 1\n");
        Assert.Equal("m", Assert.Single(families).Name);
    }

    [Fact]
    public void FamiliesWithoutSamplesAreDropped()
    {
        var families = Parse("# HELP a only help\n# TYPE b gauge\n# HELP c \nm 1\n");
        Assert.Equal(["m"], families.Select(f => f.Name));
    }

    [Fact]
    public void FamiliesComeInOrderOfFirstAppearanceAndNonContiguousSamplesJoinTheirFamily()
    {
        var families = Parse("# TYPE a gauge\n# HELP b hi\nb 1\na 2\nb{x=\"1\"} 3\n");
        Assert.Equal(["a", "b"], families.Select(f => f.Name));
        Assert.Equal(2, families[1].Metric.Count);
        Assert.Equal([1.0, 3.0], families[1].Metric.Select(m => m.Untyped.Value));
        Assert.Equal(MetricType.Gauge, families[0].Type);
    }

    [Fact]
    public void LabelsKeepOrderAndEscapes()
    {
        var f = Assert.Single(Parse("m{ b = \"x\\\\y\\\"z\\nw\" , a=\"\",} 1\n"));
        AssertLabels(f.Metric[0], "b", "x\\y\"z\nw", "a", "");
    }

    [Fact]
    public void ValueMayFollowTheClosingBraceDirectly()
    {
        Assert.Equal(1, Assert.Single(Parse("m{a=\"b\"}1\n")).Metric[0].Untyped.Value);
        Assert.Equal(2, Assert.Single(Parse("m{} 2\n")).Metric[0].Untyped.Value);
        Assert.Equal(3, Assert.Single(Parse("m {a=\"b\"} 3\n")).Metric[0].Untyped.Value);
    }

    [Fact]
    public void NulAndNonAsciiUtf8AreValidInLabelValues()
    {
        var f = Assert.Single(Parse("m{a=\"\x00\xc3\xa9\xf0\x9f\x98\x80\"} 1\n"));
        Assert.Equal("\0é😀", f.Metric[0].Label[0].Value);
    }

    [Fact]
    public void MetricNamesMayContainColons()
    {
        Assert.Equal(":m", Assert.Single(Parse(":m 1\n")).Name);
        Assert.Equal("m:x:y_1", Assert.Single(Parse("m:x:y_1 1\n")).Name);
    }

    [Theory]
    [InlineData("NaN", double.NaN)]
    [InlineData("nAn", double.NaN)]
    [InlineData("+Inf", double.PositiveInfinity)]
    [InlineData("-Inf", double.NegativeInfinity)]
    [InlineData("Inf", double.PositiveInfinity)]
    [InlineData("INF", double.PositiveInfinity)]
    [InlineData("+iNfInItY", double.PositiveInfinity)]
    [InlineData("-Infinity", double.NegativeInfinity)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5.0)]
    [InlineData("+.5e+3", 500.0)]
    [InlineData("0010", 10.0)]
    [InlineData("1.458255915e9", 1458255915.0)]
    [InlineData("1E-3", 0.001)]
    [InlineData("1e-400", 0.0)]
    [InlineData("4.9e-324", double.Epsilon)]
    [InlineData("1.7976931348623157e308", double.MaxValue)]
    [InlineData("1.7976931348623158e308", double.MaxValue)]
    [InlineData("9007199254740993", 9007199254740992.0)]
    [InlineData("0.1000000000000000055511151231257827021181583404541015625", 0.1)]
    [InlineData("123456789012345678901234567890", 1.2345678901234568e29)]
    public void ValuesFollowGoParseFloat(string text, double expected)
    {
        var value = Assert.Single(Parse($"m {text}\n")).Metric[0].Untyped.Value;
        Assert.Equal(expected, value);
    }

    [Fact]
    public void NegativeZeroIsKept()
    {
        var value = Assert.Single(Parse("m -0\n")).Metric[0].Untyped.Value;
        Assert.True(double.IsNegative(value) && value == 0);
    }

    [Fact]
    public void VeryLongNumbersParse()
    {
        var tiny = Assert.Single(TextFormatParser.Parse(Encoding.ASCII.GetBytes("m 0." + new string('0', 100_000) + "1\n")));
        Assert.Equal(0, tiny.Metric[0].Untyped.Value);
        var nines = Assert.Single(TextFormatParser.Parse(Encoding.ASCII.GetBytes("m 1." + new string('9', 1000) + "\n")));
        Assert.Equal(2, nines.Metric[0].Untyped.Value);
    }

    [Theory]
    [InlineData("m 1 1700000000000\n", 1700000000000L)]
    [InlineData("m 1 +5\n", 5L)]
    [InlineData("m 1 -5\n", -5L)]
    [InlineData("m 1 0\n", 0L)]
    [InlineData("m 1\t5\n", 5L)]
    [InlineData("m 1 \t5\n", 5L)]
    [InlineData("m 1 -9223372036854775808\n", long.MinValue)]
    [InlineData("m 1 9223372036854775807\n", long.MaxValue)]
    public void TimestampIsKept(string body, long expected)
    {
        var m = Assert.Single(Parse(body)).Metric[0];
        Assert.True(m.HasTimestampMs);
        Assert.Equal(expected, m.TimestampMs);
        Assert.Equal(1, m.Untyped.Value);
    }

    [Fact]
    public void SummaryIsAssembledFromQuantilesSumAndCount()
    {
        const string body =
            "# HELP rpc Latency.\n" +
            "# TYPE rpc summary\n" +
            "rpc{service=\"a\",quantile=\"0.5\"} 10\n" +
            "rpc{quantile=\"0.9\",service=\"a\"} 20\n" +
            "rpc_sum{service=\"a\"} 123.5\n" +
            "rpc_count{service=\"a\"} 42\n" +
            "rpc{service=\"b\",quantile=\"0.5\"} 1\n" +
            "rpc_count{service=\"b\"} 3\n";

        var f = Assert.Single(Parse(body));
        Assert.Equal("rpc", f.Name);
        Assert.Equal(MetricType.Summary, f.Type);
        Assert.Equal("Latency.", f.Help);
        Assert.Equal(2, f.Metric.Count);

        var a = f.Metric[0];
        AssertLabels(a, "service", "a");
        Assert.Equal([(0.5, 10.0), (0.9, 20.0)], a.Summary.Quantile.Select(q => (q.Quantile_, q.Value)));
        Assert.Equal(123.5, a.Summary.SampleSum);
        Assert.Equal(42UL, a.Summary.SampleCount);

        var b = f.Metric[1];
        AssertLabels(b, "service", "b");
        Assert.Equal(0.5, Assert.Single(b.Summary.Quantile).Quantile_);
        Assert.False(b.Summary.HasSampleSum);
        Assert.Equal(3UL, b.Summary.SampleCount);
    }

    [Fact]
    public void HistogramIsAssembledFromBucketsSumAndCount()
    {
        const string body =
            "# TYPE lat histogram\n" +
            "lat_bucket{le=\"0.1\",path=\"/\"} 1\n" +
            "lat_bucket{path=\"/\",le=\"1.0\"} 3\n" +
            "lat_bucket{path=\"/\",le=\"+Inf\"} 4\n" +
            "lat_sum{path=\"/\"} 2.5\n" +
            "lat_count{path=\"/\"} 4\n";

        var f = Assert.Single(Parse(body));
        Assert.Equal(MetricType.Histogram, f.Type);
        var m = Assert.Single(f.Metric);
        AssertLabels(m, "path", "/");
        Assert.Equal([(0.1, 1UL), (1.0, 3UL), (double.PositiveInfinity, 4UL)],
            m.Histogram.Bucket.Select(b => (b.UpperBound, b.CumulativeCount)));
        Assert.Equal(2.5, m.Histogram.SampleSum);
        Assert.Equal(4UL, m.Histogram.SampleCount);
    }

    [Fact]
    public void HistogramBaseNameWithLeAddsABucket()
    {
        var m = Assert.Single(Parse("# TYPE x histogram\nx{le=\"1\"} 3\n")).Metric[0];
        Assert.Equal((1.0, 3UL), (m.Histogram.Bucket[0].UpperBound, m.Histogram.Bucket[0].CumulativeCount));
    }

    [Fact]
    public void SumAndCountBecomeOwnFamiliesWhenBaseWasNotDeclaredSummaryOrHistogramBefore()
    {
        var families = Parse("x_sum 1\nx_count 2\n# TYPE x summary\nx_sum 3\nx{quantile=\"0.5\"} 4\n");
        Assert.Equal(["x_sum", "x_count", "x"], families.Select(f => f.Name));
        Assert.Equal(MetricType.Untyped, families[0].Type);
        Assert.Equal([1.0, 3.0], families[0].Metric.Select(m => m.Untyped.Value));
        Assert.Equal(MetricType.Summary, families[2].Type);
    }

    [Fact]
    public void SumAndCountOfAGaugeAreSeparateFamiliesAndQuantileIsAnOrdinaryLabel()
    {
        var families = Parse("# TYPE x gauge\nx_sum 1\nx{quantile=\"0.5\"} 2\n");
        Assert.Equal(["x", "x_sum"], families.Select(f => f.Name));
        AssertLabels(families[0].Metric[0], "quantile", "0.5");
        Assert.Equal(2, families[0].Metric[0].Gauge.Value);
    }

    [Fact]
    public void BucketOfASummaryIsASeparateUntypedFamily()
    {
        var families = Parse("# TYPE x summary\nx_bucket{le=\"1\"} 1\n");
        var f = Assert.Single(families);
        Assert.Equal("x_bucket", f.Name);
        Assert.Equal(MetricType.Untyped, f.Type);
        AssertLabels(f.Metric[0], "le", "1");
    }

    [Fact]
    public void SamplesThatDoNotFitTheirTypeLeaveAnEmptySeries()
    {
        // Summary line without quantile, histogram line without le: the series exists, the value is dropped.
        var s = Assert.Single(Parse("# TYPE x summary\nx{a=\"b\"} 5\n")).Metric[0];
        AssertLabels(s, "a", "b");
        Assert.Empty(s.Summary.Quantile);
        Assert.False(s.Summary.HasSampleCount);
        Assert.False(s.Summary.HasSampleSum);

        var h = Assert.Single(Parse("# TYPE x histogram\nx_bucket 1\n")).Metric[0];
        Assert.Empty(h.Histogram.Bucket);
        Assert.False(h.Histogram.HasSampleCount);
    }

    [Fact]
    public void RepeatedQuantileOrLeLabelIsNotADuplicateAndTheLastWins()
    {
        var s = Assert.Single(Parse("# TYPE x summary\nx{quantile=\"0.1\",quantile=\"0.2\"} 1\n")).Metric[0];
        Assert.Equal(0.2, Assert.Single(s.Summary.Quantile).Quantile_);
        var h = Assert.Single(Parse("# TYPE x histogram\nx_count{le=\"1\",le=\"2\"} 7\n")).Metric[0];
        Assert.Equal(7UL, h.Histogram.SampleCount);
    }

    [Fact]
    public void LeIsAnOrdinaryLabelOnSummariesAndQuantileOnHistograms()
    {
        var s = Assert.Single(Parse("# TYPE x summary\nx{le=\"1\",quantile=\"0.5\"} 1\n")).Metric[0];
        AssertLabels(s, "le", "1");
        var h = Assert.Single(Parse("# TYPE x histogram\nx_bucket{quantile=\"1\",le=\"2\"} 1\n")).Metric[0];
        AssertLabels(h, "quantile", "1");
        Assert.Equal(2.0, h.Histogram.Bucket[0].UpperBound);
    }

    [Theory]
    [InlineData("-1", 18446744073709551615UL)]
    [InlineData("-1.5", 18446744073709551615UL)]
    [InlineData("-0.5", 0UL)]
    [InlineData("NaN", 9223372036854775808UL)]
    [InlineData("+Inf", 9223372036854775808UL)]
    [InlineData("-Inf", 9223372036854775808UL)]
    [InlineData("1e30", 9223372036854775808UL)]
    [InlineData("1e19", 10000000000000000000UL)]
    [InlineData("2.9", 2UL)]
    public void CountsConvertLikeGoUint64OnAmd64(string text, ulong expected)
    {
        var h = Assert.Single(Parse($"# TYPE x histogram\nx_count {text}\nx_bucket{{le=\"1\"}} {text}\n")).Metric[0].Histogram;
        Assert.Equal(expected, h.SampleCount);
        Assert.Equal(expected, h.Bucket[0].CumulativeCount);
        var s = Assert.Single(Parse($"# TYPE x summary\nx_count {text}\n")).Metric[0].Summary;
        Assert.Equal(expected, s.SampleCount);
    }

    [Fact]
    public void HelpOnSumOfASummaryGoesToTheSummary()
    {
        var f = Assert.Single(Parse("# TYPE x summary\n# HELP x_count hi\nx_count 1\n"));
        Assert.Equal("x", f.Name);
        Assert.Equal("hi", f.Help);
    }

    [Fact]
    public void DeepLabelEscapesParse()
    {
        var body = "m{a=\"" + string.Concat(Enumerable.Repeat("\\\\", 100_000)) + "\"} 1\n";
        var f = Assert.Single(Parse(body));
        Assert.Equal(new string('\\', 100_000), f.Metric[0].Label[0].Value);
    }

    [Fact]
    public void ManyLabelsParse()
    {
        var body = "m{" + string.Join(",", Enumerable.Range(0, 3000).Select(i => $"l{i}=\"v{i}\"")) + "} 1\n";
        var m = Assert.Single(Parse(body)).Metric[0];
        Assert.Equal(3000, m.Label.Count);
        Assert.Equal("l2999", m.Label[2999].Name);
        Assert.Equal("v2999", m.Label[2999].Value);
    }

    [Fact]
    public void OverloadsAgree()
    {
        var bytes = B("# TYPE m gauge\nm{a=\"b\"} 1\n");
        var fromArray = TextFormatParser.Parse(bytes);
        var fromMemory = TextFormatParser.Parse(new ReadOnlyMemory<byte>(bytes));
        var fromSpan = TextFormatParser.Parse(new ReadOnlySpan<byte>(bytes));
        Assert.Equal(fromArray, fromMemory);
        Assert.Equal(fromArray, fromSpan);
        Assert.Equal(MetricType.Gauge, fromArray[0].Type);
    }

    // ---------------------------------------------------------------- errors

    public static TheoryData<string, int, string> ErrorCases => new()
    {
        // Line endings.
        { "m 1", 1, "unexpected end of input stream" },
        { "m 1\nm 2", 2, "unexpected end of input stream" },
        { "\n\n\n\nm 1\nx", 6, "unexpected end of input stream" },
        { "m 1\r\n", 1, "expected float as value, got \"1\\r\"" },
        { "m 1 \n", 1, "expected integer as timestamp, got \"\"" },
        { "m 1\t\n", 1, "expected integer as timestamp, got \"\"" },
        { "m", 1, "unexpected end of input stream" },
        { "m{", 1, "unexpected end of input stream" },
        { "m{a", 1, "unexpected end of input stream" },
        { "m{a=\"b", 1, "unexpected end of input stream" },
        { "m{a=\"b\\", 1, "unexpected end of input stream" },
        { "m{a=\"b\"", 1, "unexpected end of input stream" },
        { "m 1 5", 1, "unexpected end of input stream" },
        { "#", 1, "unexpected end of input stream" },
        { "# foo", 1, "unexpected end of input stream" },
        { "# HELP", 1, "unexpected end of input stream" },
        { "# HELP m x", 1, "unexpected end of input stream" },
        { "# TYPE m gauge", 1, "unexpected end of input stream" },
        { "# HELP m x\\", 1, "unexpected end of input stream" },
        // Names.
        { "\xef\xbb\xbfm 1\n", 1, "invalid metric name" },
        { "1m 1\n", 1, "invalid metric name" },
        { "{a=\"b\"} 1\n", 1, "invalid metric name" },
        { "\x00\x00\x00", 1, "invalid metric name" },
        { "m-x 1\n", 1, "expected float as value, got \"-x\"" },
        { "m\xc3\xa9 1\n", 1, "expected float as value, got \"\xc3\xa9\"" },
        { "# HELP 1m x\nm 1\n", 1, "invalid metric name in comment" },
        { "# HELP m-x y\n", 1, "invalid metric name in comment" },
        // Comments.
        { "# TYPE m foo\nm 1\n", 1, "unknown metric type \"foo\"" },
        { "# TYPE m gauge \nm 1\n", 1, "unknown metric type \"gauge \"" },
        { "# TYPE m gaugehistogram\n", 1, "unknown metric type \"gaugehistogram\"" },
        { "# TYPE m \xff\n", 1, "unknown metric type \"\\xff\"" },
        { "# TYPE m gaug\xc3\xa9\n", 1, "unknown metric type \"gaug\xc3\xa9\"" },
        { "# TYPE m gauge\n# TYPE m counter\nm 1\n", 2, "second TYPE line for metric name \"m\", or TYPE reported after samples" },
        { "m 1\n# TYPE m gauge\n", 2, "second TYPE line for metric name \"m\", or TYPE reported after samples" },
        { "# TYPE x summary\n# TYPE x_count counter\n", 2, "second TYPE line for metric name \"x\", or TYPE reported after samples" },
        { "# HELP m a\n# HELP m b\nm 1\n", 2, "second HELP line for metric name \"m\"" },
        { "# TYPE x summary\n# HELP x hi\n# HELP x_sum hi\n", 3, "second HELP line for metric name \"x\"" },
        { "# HELP m a\\tb\nm 1\n", 1, "invalid escape sequence '\\t'" },
        { "# HELP m a\\\"b\nm 1\n", 1, "invalid escape sequence '\\\"'" },
        { "# HELP m \\\xff\n", 1, "invalid escape sequence '\\\xc3\xbf'" },
        // Labels.
        { "m{a=\"b\",a=\"c\"} 1\n", 1, "duplicate label names for metric \"m\"" },
        { "# TYPE x summary\nx_sum{a=\"1\",a=\"2\"} 7\n", 2, "duplicate label names for metric \"x\"" },
        { "m{__name__=\"x\"} 1\n", 1, "label name \"__name__\" is reserved" },
        { "m{,a=\"ok\"} 1\n", 1, "invalid label name for metric \"m\"" },
        { "m{1a=\"b\"} 1\n", 1, "invalid label name for metric \"m\"" },
        { "m{\xc3\xa9=\"c\"} 1\n", 1, "invalid label name for metric \"m\"" },
        { "m{a b} 1\n", 1, "expected '=' after label name, found 'b'" },
        { "m{a-b=\"c\"} 1\n", 1, "expected '=' after label name, found '-'" },
        { "m{a:b=\"c\"} 1\n", 1, "expected '=' after label name, found ':'" },
        { "m{a\xff=\"b\"} 1\n", 1, "expected '=' after label name, found '\xc3\xbf'" },
        { "m{a\x80=\"b\"} 1\n", 1, "expected '=' after label name, found '\\u0080'" },
        { "m{a\xad=\"b\"} 1\n", 1, "expected '=' after label name, found '\\u00ad'" },
        { "m{a\x00=\"b\"} 1\n", 1, "expected '=' after label name, found '\\x00'" },
        { "m{a'=\"b\"} 1\n", 1, "expected '=' after label name, found '\\''" },
        { "m{a\\=\"b\"} 1\n", 1, "expected '=' after label name, found '\\\\'" },
        { "m{a\"=\"b\"} 1\n", 1, "expected '=' after label name, found '\"'" },
        { "m{a=b} 1\n", 1, "expected '\"' at start of label value, found 'b'" },
        { "m{a=\xe9} 1\n", 1, "expected '\"' at start of label value, found '\xc3\xa9'" },
        { "m{a=\"ok\" b=\"c\"} 1\n", 1, "unexpected end of label value \"ok\"" },
        { "m{a=\"\\t\"} 1\n", 1, "invalid escape sequence '\\t'" },
        { "m{a=\"\\\xff\"} 1\n", 1, "invalid escape sequence '\\\xc3\xbf'" },
        { "m{a=\"\\\xc3\xa9\"} 1\n", 1, "invalid escape sequence '\\\xc3\x83'" },
        { "m{a=\"\\\n\"} 1\n", 1, "invalid escape sequence '\\\n'" },
        { "m{a=\"x\ny\"} 1\n", 1, "label value \"x\" contains unescaped new-line" },
        { "m{a=\"b\xff} 1\n", 1, "label value \"b\\xff} 1\" contains unescaped new-line" },
        { "m{a=\"\xff\"} 1\n", 1, "invalid label value \"\\xff\"" },
        { "m{a=\"\xed\xa0\x80\"} 1\n", 1, "invalid label value \"\\xed\\xa0\\x80\"" },
        { "m{a=\"\xc0\xaf\"} 1\n", 1, "invalid label value \"\\xc0\\xaf\"" },
        { "m 1\nm{a=\"ok\",b=\"\\\\\xfe\"} 1\n", 2, "invalid label value \"\\\\\\xfe\"" },
        {
            "m{a=\"\x00\x01\x7f\xc2\x80\xc2\xa0\xc2\xad\xe2\x80\xa8\xf0\x9f\x98\x80\xef\xbf\xbd\xf4\x8f\xbf\xbf\" \x01} 1\n", 1,
            "unexpected end of label value \"\\x00\\x01\\x7f\\u0080\\u00a0\\u00ad\\u2028\xf0\x9f\x98\x80\xef\xbf\xbd\\U0010ffff\""
        },
        // quantile / le.
        { "# TYPE x histogram\nx_bucket{le=\"abc\"} 1\n", 2, "expected float as value for 'le' label, got \"abc\"" },
        { "# TYPE x histogram\nx_bucket{le=\"1e\"} 1\n", 2, "expected float as value for 'le' label, got \"1e\"" },
        { "# TYPE x histogram\nx_count{le=\"1\"} 7\nx_sum{le=\"nope\"} 1\n", 3, "expected float as value for 'le' label, got \"nope\"" },
        { "# TYPE x summary\nx{quantile=\"abc\"} 1\n", 2, "expected float as value for 'quantile' label, got \"abc\"" },
        { "# TYPE x summary\nx{quantile=\"\"} 1\n", 2, "expected float as value for 'quantile' label, got \"\"" },
        // Values.
        { "m\n", 1, "expected float as value, got \"\"" },
        { "m{a=\"b\"}\n", 1, "expected float as value, got \"\"" },
        { "m 1e309\n", 1, "expected float as value, got \"1e309\"" },
        { "m 1.7976931348623159e308\n", 1, "expected float as value, got \"1.7976931348623159e308\"" },
        { "m 1e99999999999999999999\n", 1, "expected float as value, got \"1e99999999999999999999\"" },
        { "m +nan\n", 1, "expected float as value, got \"+nan\"" },
        { "m -nan\n", 1, "expected float as value, got \"-nan\"" },
        { "m nan1\n", 1, "expected float as value, got \"nan1\"" },
        { "m infin\n", 1, "expected float as value, got \"infin\"" },
        { "m infinityy\n", 1, "expected float as value, got \"infinityy\"" },
        { "m 0x1p3\n", 1, "expected float as value, got \"0x1p3\"" },
        { "m 0x10\n", 1, "expected float as value, got \"0x10\"" },
        { "m 1_000\n", 1, "expected float as value, got \"1_000\"" },
        { "m .\n", 1, "expected float as value, got \".\"" },
        { "m 1e\n", 1, "expected float as value, got \"1e\"" },
        { "m 1e+\n", 1, "expected float as value, got \"1e+\"" },
        { "m -.e3\n", 1, "expected float as value, got \"-.e3\"" },
        { "m 1.2.3\n", 1, "expected float as value, got \"1.2.3\"" },
        { "m \xef\xbc\x91\n", 1, "expected float as value, got \"\xef\xbc\x91\"" },
        { "m 1\x00\n", 1, "expected float as value, got \"1\\x00\"" },
        { "m \x00" + "1\n", 1, "expected float as value, got \"\\x001\"" },
        // Timestamps.
        { "m 1 2 3\n", 1, "spurious string after timestamp: \" 3\"" },
        { "m 1 5 \n", 1, "spurious string after timestamp: \" \"" },
        { "m 1 5\t\n", 1, "spurious string after timestamp: \"\\t\"" },
        { "m 1 5 \\\n", 1, "spurious string after timestamp: \" \"" },
        { "m 1 5\\\n", 1, "expected integer as timestamp, got \"5\\\\\"" },
        { "m 1 1.5\n", 1, "expected integer as timestamp, got \"1.5\"" },
        { "m 1 abc\n", 1, "expected integer as timestamp, got \"abc\"" },
        { "m 1 # {a=\"b\"} 1\n", 1, "expected integer as timestamp, got \"#\"" },
        { "m 1 9223372036854775808\n", 1, "expected integer as timestamp, got \"9223372036854775808\"" },
        { "m 1 -9223372036854775809\n", 1, "expected integer as timestamp, got \"-9223372036854775809\"" },
        { "m 1 0x10\n", 1, "expected integer as timestamp, got \"0x10\"" },
        { "m 1 1_0\n", 1, "expected integer as timestamp, got \"1_0\"" },
        { "# TYPE x gauge_histogram\nx 1 \n", 2, "expected integer as timestamp, got \"\"" },
    };

    /// <param name="body">One char per byte.</param>
    /// <param name="expected">The message after the prefix, as UTF-8 bytes written one char per byte.</param>
    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void ErrorsMatchTheReference(string body, int line, string expected)
    {
        var ex = Fails(body);
        string expectedMessage = $"text format parsing error in line {line}: " + Encoding.UTF8.GetString(B(expected));
        Assert.Equal(expectedMessage, ex.Message);
        Assert.Equal(line, ex.LineNumber);
    }

    [Fact]
    public void DeepEscapesEndingInAnInvalidEscapeFail()
    {
        var body = "m{a=\"" + string.Concat(Enumerable.Repeat("\\\\", 100_000)) + "\\q\"} 1\n";
        Assert.Equal("text format parsing error in line 1: invalid escape sequence '\\q'", Fails(body).Message);
    }

    [Fact]
    public void DuplicateLabelAmongManyFails()
    {
        var body = "m{" + string.Join(",", Enumerable.Range(0, 30).Select(i => $"l{i}=\"v\"")) + ",l7=\"x\"} 1\n";
        Assert.Equal("text format parsing error in line 1: duplicate label names for metric \"m\"", Fails(body).Message);
    }

    [Fact]
    public void HugeIntegerValueFails()
    {
        var body = "m 1" + new string('0', 400) + "\n";
        Assert.StartsWith("text format parsing error in line 1: expected float as value, got \"1000", Fails(body).Message);
    }

    // ---------------------------------------------------------------- robustness

    public static TheoryData<byte[]> MalformedCorpus()
    {
        var data = new TheoryData<byte[]>();
        var random = new Random(4242);
        for (int i = 0; i < 20; i++)
        {
            var bytes = new byte[random.Next(1, 200)];
            random.NextBytes(bytes);
            bytes[0] = (byte)'{'; // never a valid start of a line
            data.Add(bytes);
        }
        data.Add(new byte[] { 0 });
        data.Add(new byte[1000]);
        data.Add(B("m{a=\"\0\xff\xfe\"} 1\n"));
        data.Add(B("m{a=\"\xf8\x88\x80\x80\x80\"} 1\n"));
        data.Add(B("m{a=\"\xf4\x90\x80\x80\"} 1\n"));
        data.Add(B("m{a=\"\xe0\x80\x80\"} 1\n"));
        data.Add(B("m{a=\"ok\"} 1\nm{a=\"trunc"));
        data.Add(B("# TYPE m summary\nm{quantile=\"0."));
        data.Add(B("m{a=\"" + new string('\\', 99_999) + "\"} 1\n"));
        data.Add(B("m{" + new string('{', 10_000)));
        data.Add(B("m 1" + new string('0', 100_000) + "\n"));
        data.Add(B("m 1 " + new string('9', 100_000) + "\n"));
        data.Add(B("# TYPE m " + new string('x', 100_000) + "\n"));
        data.Add(B(new string('\n', 10_000) + "\r"));
        data.Add(B("m 1\r\nm 2\r\n"));
        data.Add(B("m{a=\"b\"} 1 2 3 4\n"));
        data.Add(B("m{a=\"b\"}} 1\n"));
        data.Add(B("\t\t\t# HELP m \\"));
        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedCorpus))]
    public void MalformedInputGivesOnlyExpositionFormatException(byte[] body)
    {
        var ex = Assert.Throws<ExpositionFormatException>(() => TextFormatParser.Parse(body));
        Assert.StartsWith("text format parsing error in line ", ex.Message);
        Assert.NotNull(ex.LineNumber);
        Assert.InRange(ex.LineNumber!.Value, 1, int.MaxValue);
    }

    private static readonly string[] Seeds =
    [
        "# HELP http_requests_total The total number of HTTP requests.\n# TYPE http_requests_total counter\nhttp_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\nhttp_requests_total{method=\"post\",code=\"400\"}    3\n",
        "# TYPE rpc_duration_seconds summary\nrpc_duration_seconds{quantile=\"0.01\"} 3102\nrpc_duration_seconds{quantile=\"0.5\"} 4773\nrpc_duration_seconds_sum 1.7560473e+07\nrpc_duration_seconds_count 2693\n",
        "# TYPE h histogram\nh_bucket{le=\"0.05\"} 24054\nh_bucket{le=\"0.1\"} 33444\nh_bucket{le=\"+Inf\"} 144320\nh_sum 53423\nh_count 144320\n",
        "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\nmetric_without_timestamp_and_labels 12.47\nsomething_weird{problem=\"division by zero\"} +Inf -3982045\n",
        "\n    # TYPE success_rate gauge\n\n    success_rate{target=\"app1\"} 30\n\n  ",
    ];

    private static readonly byte[] Alphabet = B(" \t\n\r{}\",=\\#_:aZ09.eE+-xpPnNiIfF\xff\x00\xc3\xa9");

    [Fact]
    public void RandomAndMutatedInputsOnlyEverThrowExpositionFormatException()
    {
        var random = new Random(20221118);
        int parsed = 0, rejected = 0;
        for (int i = 0; i < 5000; i++)
        {
            byte[] body;
            if (i % 5 == 0)
            {
                body = new byte[random.Next(0, 300)];
                for (int j = 0; j < body.Length; j++)
                {
                    body[j] = random.Next(3) == 0 ? (byte)random.Next(256) : Alphabet[random.Next(Alphabet.Length)];
                }
            }
            else
            {
                var s = new List<byte>(B(Seeds[random.Next(Seeds.Length)]));
                int edits = random.Next(1, 5);
                for (int e = 0; e < edits; e++)
                {
                    int op = random.Next(4);
                    if (op == 0 && s.Count > 0)
                    {
                        s.RemoveAt(random.Next(s.Count));
                    }
                    else if (op == 1)
                    {
                        s.Insert(random.Next(s.Count + 1), Alphabet[random.Next(Alphabet.Length)]);
                    }
                    else if (op == 2 && s.Count > 0)
                    {
                        s[random.Next(s.Count)] = (byte)random.Next(256);
                    }
                    else if (s.Count > 0)
                    {
                        int a = random.Next(s.Count);
                        int len = random.Next(0, Math.Min(20, s.Count - a) + 1);
                        s.InsertRange(a, s.GetRange(a, len));
                    }
                }
                body = s.ToArray();
            }

            try
            {
                var families = TextFormatParser.Parse(body);
                Assert.All(families, f => Assert.NotEmpty(f.Metric));
                parsed++;
            }
            catch (ExpositionFormatException ex)
            {
                Assert.StartsWith("text format parsing error in line ", ex.Message);
                Assert.NotNull(ex.LineNumber);
                rejected++;
            }
            // Anything else escapes and fails the test, with the seed-determined input.
        }
        // The generator must exercise both outcomes, or the test says little.
        Assert.True(parsed > 100, $"only {parsed} inputs parsed");
        Assert.True(rejected > 1000, $"only {rejected} inputs rejected");
    }
}
