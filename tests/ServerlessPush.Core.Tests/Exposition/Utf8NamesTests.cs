using System.Text;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Tests.Exposition;

/// <summary>
/// UTF-8 names (<c>Gateway:EnableUtf8Names</c>), asserted against upstream's own test cases
/// (prometheus/common v0.69 model/metric_test.go TestEscapeName and TestValueUnescapeErrors,
/// expfmt text parser/writer; pushgateway 1.11 handler_test.go TestPushUTF8 and TestSplitLabelsUTF8).
/// </summary>
public class Utf8NamesTests
{
    private static List<MetricFamily> ParseUtf8(string text) => TextFormatParser.Parse(Encoding.UTF8.GetBytes(text), int.MaxValue, utf8Names: true);

    private static List<MetricFamily> ParseLegacy(string text) => TextFormatParser.Parse(Encoding.UTF8.GetBytes(text), int.MaxValue, utf8Names: false);

    // TestEscapeName: input, underscores, dots, values.
    [Theory]
    [InlineData("no:escaping_required", "no:escaping_required", "no:escaping__required", "no:escaping_required")]
    [InlineData("mysystem.prod.west.cpu.load", "mysystem_prod_west_cpu_load", "mysystem_dot_prod_dot_west_dot_cpu_dot_load", "U__mysystem_2e_prod_2e_west_2e_cpu_2e_load")]
    [InlineData("mysystem.prod.west.cpu.load_total", "mysystem_prod_west_cpu_load_total", "mysystem_dot_prod_dot_west_dot_cpu_dot_load__total", "U__mysystem_2e_prod_2e_west_2e_cpu_2e_load__total")]
    [InlineData("http.status:sum", "http_status:sum", "http_dot_status:sum", "U__http_2e_status:sum")]
    [InlineData("label with 😱", "label_with__", "label__with____", "U__label_20_with_20__1f631_")]
    [InlineData("花火", "__", "____", "U___82b1__706b_")]
    [InlineData("label with \u0100", "label_with__", "label__with____", "U__label_20_with_20__100_")]
    public void EscapeName_as_prometheus_common(string input, string underscores, string dots, string values)
    {
        Assert.Equal(underscores, NameEscaping.Escape(input, NameEscapingScheme.Underscores));
        Assert.Equal(dots, NameEscaping.Escape(input, NameEscapingScheme.Dots));
        Assert.Equal(values, NameEscaping.Escape(input, NameEscapingScheme.Values));
        Assert.Equal(input, NameEscaping.Escape(input, NameEscapingScheme.AllowUtf8));
        Assert.Equal(input, NameEscaping.UnescapeValues(values));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("U__no:unescapingrequired", "no:unescapingrequired")]
    [InlineData("U__capitals_2E_ok", "capitals.ok")]
    [InlineData("U__underscores__doubled__", "underscores_doubled_")]
    [InlineData("U__underscores_doubled_", "U__underscores_doubled_")]
    [InlineData("U__underscores__doubled_", "U__underscores__doubled_")]
    [InlineData("U__my__hack_2e_attempt_872348732fabdabbab_", "U__my__hack_2e_attempt_872348732fabdabbab_")]
    [InlineData("U__my__hack_2e", "U__my__hack_2e")]
    [InlineData("U__bad__utf_2eg_", "U__bad__utf_2eg_")]
    [InlineData("U__bad__utf_D900_", "U__bad__utf_D900_")]
    [InlineData("plain_name", "plain_name")]
    public void UnescapeValues_as_prometheus_common(string input, string expected) =>
        Assert.Equal(expected, NameEscaping.UnescapeValues(input));

    [Fact]
    public void Parser_reads_quoted_names_inside_braces_as_upstream_TestPushUTF8()
    {
        var families = ParseUtf8("some_metric 3.14\n{\"another.metric\",instance=\"testinstance\",job=\"testjob\",\"dotted.label.name\"=\"mylabelvalue\"} 42\n");
        Assert.Equal(["some_metric", "another.metric"], families.Select(f => f.Name));
        var metric = Assert.Single(families[1].Metric);
        Assert.Equal(MetricType.Untyped, families[1].Type);
        Assert.Equal(42, metric.Untyped.Value);
        Assert.Equal(["instance=testinstance", "job=testjob", "dotted.label.name=mylabelvalue"], metric.Label.Select(l => $"{l.Name}={l.Value}"));
    }

    [Fact]
    public void Parser_reads_quoted_names_in_HELP_TYPE_and_before_braces_with_escapes()
    {
        var families = ParseUtf8("# HELP \"my.hist\" Help.\n# TYPE \"my.hist\" histogram\n{\"my.hist_bucket\",\"a\\\"b\"=\"x\",le=\"1\"} 2\n{\"my.hist_bucket\",\"a\\\"b\"=\"x\",le=\"+Inf\"} 3\n\"my.hist_count\"{\"a\\\"b\"=\"x\"} 3\n{\"my.hist_sum\",\"a\\\"b\"=\"x\"} 4.5\n\"new\\nline\" 1\n");
        Assert.Equal(2, families.Count);
        var hist = families[0];
        Assert.Equal("my.hist", hist.Name);
        Assert.Equal("Help.", hist.Help);
        Assert.Equal(MetricType.Histogram, hist.Type);
        var m = Assert.Single(hist.Metric);
        Assert.Equal("a\"b", Assert.Single(m.Label).Name);
        Assert.Equal(3UL, m.Histogram.SampleCount);
        Assert.Equal(4.5, m.Histogram.SampleSum);
        Assert.Equal([1.0, double.PositiveInfinity], m.Histogram.Bucket.Select(b => b.UpperBound));
        Assert.Equal("new\nline", families[1].Name);
    }

    [Theory]
    [InlineData("{\"\"} 1\n", "invalid metric name")]
    [InlineData("{\"a.b\",\"\"=\"x\"} 1\n", "invalid label name for metric")]
    [InlineData("{\"a.b\",\"__name__\"=\"x\"} 1\n", "label name \"__name__\" is reserved")]
    [InlineData("{\"a.b\" 1\n", "unexpected end of metric name")]
    [InlineData("{\"a\nb\"} 1\n", "contains unescaped new-line")]
    [InlineData("{\"a\\tb\"} 1\n", "invalid escape sequence")]
    public void Parser_refuses_bad_quoted_names(string text, string message)
    {
        var e = Assert.Throws<ExpositionFormatException>(() => ParseUtf8(text));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parser_refuses_invalid_utf8_in_a_quoted_name()
    {
        var body = Encoding.UTF8.GetBytes("{\"a\u00ffb\"} 1\n");
        body[3] = 0xFF; // a lone byte where the UTF-8 of U+00FF began
        var e = Assert.Throws<ExpositionFormatException>(() => TextFormatParser.Parse(body, int.MaxValue, utf8Names: true));
        Assert.Contains("invalid metric name", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"my.metric\"} 1\n")]
    [InlineData("\"my.metric\" 1\n")]
    [InlineData("a{\"b.c\"=\"x\"} 1\n")]
    public void Off_quoted_names_are_refused_as_before(string text) =>
        Assert.Throws<ExpositionFormatException>(() => ParseLegacy(text));

    [Fact]
    public void Writer_quotes_utf8_names_as_expfmt_and_the_text_parses_back()
    {
        var family = new MetricFamily { Name = "my.metric", Help = "h", Type = MetricType.Summary };
        var m = new Metric { Summary = new Summary { SampleCount = 2, SampleSum = 3 } };
        m.Label.Add(new LabelPair { Name = "service.name", Value = "x" });
        m.Label.Add(new LabelPair { Name = "job", Value = "j" });
        m.Summary.Quantile.Add(new Quantile { Quantile_ = 0.5, Value = 1 });
        family.Metric.Add(m);
        var plain = new MetricFamily { Name = "plain", Type = MetricType.Gauge, Metric = { new Metric { Gauge = new Gauge { Value = 1 } } } };
        var text = TextFormatWriter.WriteToString([family, plain]);
        Assert.Equal(
            "# HELP \"my.metric\" h\n# TYPE \"my.metric\" summary\n" +
            "{\"my.metric\",\"service.name\"=\"x\",job=\"j\",quantile=\"0.5\"} 1\n" +
            "{\"my.metric_sum\",\"service.name\"=\"x\",job=\"j\"} 3\n" +
            "{\"my.metric_count\",\"service.name\"=\"x\",job=\"j\"} 2\n" +
            "# TYPE plain gauge\nplain 1\n", text);
        var back = ParseUtf8(text);
        Assert.Equal(["my.metric", "plain"], back.Select(f => f.Name));
        Assert.Equal(2UL, back[0].Metric[0].Summary.SampleCount);
    }

    [Fact]
    public void Writer_quotes_a_name_without_labels_inside_braces()
    {
        var family = new MetricFamily { Name = "a\"b", Type = MetricType.Untyped, Metric = { new Metric { Untyped = new Untyped { Value = 1 } } } };
        Assert.Equal("# TYPE \"a\\\"b\" untyped\n{\"a\\\"b\"} 1\n", TextFormatWriter.WriteToString([family]));
    }

    [Fact]
    public void EscapeFamily_escapes_metric_and_label_names_but_keeps_legacy_ones()
    {
        var family = new MetricFamily { Name = "my.metric", Type = MetricType.Gauge };
        var m = new Metric { Gauge = new Gauge { Value = 1 } };
        m.Label.Add(new LabelPair { Name = "service.name", Value = "a.b" });
        m.Label.Add(new LabelPair { Name = "colon:ok", Value = "v" });
        family.Metric.Add(m);
        var escaped = NameEscaping.EscapeFamily(family, NameEscapingScheme.Underscores);
        Assert.Equal("my_metric", escaped.Name);
        Assert.Equal(["service_name=a.b", "colon:ok=v"], escaped.Metric[0].Label.Select(l => $"{l.Name}={l.Value}"));
        Assert.Equal("my.metric", family.Name); // the stored family is untouched
        Assert.Equal("U__my_2e_metric", NameEscaping.EscapeFamily(family, NameEscapingScheme.Values).Name);
        Assert.Same(family, NameEscaping.EscapeFamily(family, NameEscapingScheme.AllowUtf8));
        var legacy = new MetricFamily { Name = "ok", Type = MetricType.Gauge, Metric = { new Metric { Gauge = new Gauge() } } };
        Assert.Same(legacy, NameEscaping.EscapeFamily(legacy, NameEscapingScheme.Dots));
    }

    // expfmt.Negotiate (v0.69): escaping starts as underscores; each walked entry's known value sets it.
    [Theory]
    [InlineData(null, ScrapeFormat.Text004, "underscores")]
    [InlineData("text/plain;version=0.0.4;escaping=allow-utf-8", ScrapeFormat.Text004, "allow-utf-8")]
    [InlineData("text/plain;version=0.0.4;escaping=bogus", ScrapeFormat.Text004, "underscores")]
    [InlineData("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;escaping=values", ScrapeFormat.ProtobufDelimited, "values")]
    [InlineData("text/plain;escaping=dots", ScrapeFormat.Text004, "dots")]
    // Prometheus 3's default: OpenMetrics (skipped) carries allow-utf-8 over to text/plain 0.0.4.
    [InlineData("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2", ScrapeFormat.Text004, "allow-utf-8")]
    public void Negotiation_with_utf8_names_reports_the_escaping(string? accept, ScrapeFormat format, string escaping)
    {
        var result = ScrapeNegotiation.Negotiate(accept, null, openMetrics: false, utf8Names: true);
        Assert.Equal(format, result.Format);
        Assert.Equal(escaping, NameEscaping.ToParameter(result.Escaping!.Value));
        Assert.EndsWith("; escaping=" + escaping, result.ContentType, StringComparison.Ordinal);
    }

    [Fact]
    public void Negotiation_without_utf8_names_is_unchanged()
    {
        var result = ScrapeNegotiation.Negotiate("text/plain;version=0.0.4;escaping=allow-utf-8", null);
        Assert.Null(result.Escaping);
        Assert.Equal(TextFormatWriter.ContentType, result.ContentType);
    }

    // pushgateway handler_test.go TestSplitLabels / TestSplitLabelsUTF8.
    [Fact]
    public void Path_U__names_are_decoded_only_with_utf8_names()
    {
        var on = GroupingPathParser.Parse("testjob", false, "/label_name1/label_value1/U__label_2e_name2/label_value2", utf8Names: true);
        Assert.Equal("label_value2", on.Key!.Get("label.name2"));
        Assert.Equal("label_value1", on.Key.Get("label_name1"));
        var b64 = GroupingPathParser.Parse("dGVzdC9qb2I=", true, "/instance@base64/dGVzdGluc3RhbmNl/U__dotted_2e_label_2e_name@base64/bXlsYWJlbHZhbHVl", utf8Names: true);
        Assert.Equal("test/job", b64.Key!.Job);
        Assert.Equal("mylabelvalue", b64.Key.Get("dotted.label.name"));
        var off = GroupingPathParser.Parse("testjob", false, "/U__label_2e_name2/label_value2");
        Assert.Equal("label_value2", off.Key!.Get("U__label_2e_name2"));
        Assert.Null(off.Key.Get("label.name2"));
    }

    [Theory]
    [InlineData("/service.name/x", true, null)]
    [InlineData("/service.name/x", false, "improper label name \"service.name\"")]
    [InlineData("/__x/y", true, "improper label name \"__x\"")]
    [InlineData("/U___5f__5f_name_5f__5f_/y", true, "improper label name \"U___5f__5f_name_5f__5f_\"")] // decodes to __name__: refused (upstream accepts)
    public void Path_label_names_under_each_rule(string labels, bool utf8Names, string? error)
    {
        var result = GroupingPathParser.Parse("j", false, labels, utf8Names);
        Assert.Equal(error, result.Error);
    }

    [Fact]
    public void Utf8_name_validity()
    {
        Assert.True(LabelNames.IsValidUtf8("a.b/#?\\\u0001"));
        Assert.False(LabelNames.IsValidUtf8(""));
        Assert.False(LabelNames.IsValidUtf8("a\ud800b"));
        Assert.True(LabelNames.IsValidUtf8("😱"));
        Assert.False(LabelNames.IsValidMetricName("a.b", utf8Names: false));
        Assert.True(LabelNames.IsValidMetricName("a.b", utf8Names: true));
    }
}

public class Utf8NamesOpenMetricsTests
{
    [Fact]
    public void OpenMetrics_quotes_utf8_names_like_text()
    {
        var family = new MetricFamily { Name = "my.count", Type = MetricType.Counter };
        var m = new Metric { Counter = new Counter { Value = 2 } };
        m.Label.Add(new LabelPair { Name = "service.name", Value = "x" });
        family.Metric.Add(m);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        OpenMetricsWriter.Write(buffer, [family]);
        Assert.Equal("# TYPE \"my.count\" counter\n{\"my.count_total\",\"service.name\"=\"x\"} 2.0\n# EOF\n", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}
