using ServerlessPush.Core.Exposition;

namespace ServerlessPush.Core.Tests.Exposition;

public class ScrapeNegotiationTests
{
    private const string Proto = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";

    /// <summary>Off is expfmt's <c>Negotiate</c> (the Pushgateway); on adds OpenMetrics (<c>NegotiateIncludingOpenMetrics</c>).</summary>
    [Theory]
    [InlineData(null, ScrapeFormat.Text004, ScrapeFormat.Text004)]
    [InlineData("", ScrapeFormat.Text004, ScrapeFormat.Text004)]
    [InlineData("*/*", ScrapeFormat.Text004, ScrapeFormat.Text004)]
    [InlineData("text/plain", ScrapeFormat.Text004, ScrapeFormat.Text004)]
    [InlineData("text/plain;version=0.0.4", ScrapeFormat.Text004, ScrapeFormat.Text004)]
    [InlineData("text/plain;version=1.0.0", ScrapeFormat.Text004, ScrapeFormat.Text004)] // no match → default
    [InlineData(Proto, ScrapeFormat.ProtobufDelimited, ScrapeFormat.ProtobufDelimited)]
    [InlineData("application/vnd.google.protobuf; encoding=delimited; proto=io.prometheus.client.MetricFamily", ScrapeFormat.ProtobufDelimited, ScrapeFormat.ProtobufDelimited)]
    [InlineData("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text", ScrapeFormat.Text004, ScrapeFormat.Text004)]
    [InlineData("application/vnd.google.protobuf;proto=other;encoding=delimited", ScrapeFormat.Text004, ScrapeFormat.Text004)]
    // Observed on 1.5.1 (and kept): protobuf with q=0.5 beats text with q=0.4; an unknown text version is skipped.
    [InlineData(Proto + ";q=0.5,text/plain;q=0.4", ScrapeFormat.ProtobufDelimited, ScrapeFormat.ProtobufDelimited)]
    [InlineData("text/plain;version=0.0.5," + Proto + ";q=0.1", ScrapeFormat.ProtobufDelimited, ScrapeFormat.ProtobufDelimited)]
    [InlineData("*/*;q=0.1,text/plain;version=0.0.4;q=0.05", ScrapeFormat.Text004, ScrapeFormat.Text004)]
    // OpenMetrics only when enabled (the reference answers text for these).
    [InlineData("application/openmetrics-text", ScrapeFormat.Text004, ScrapeFormat.OpenMetrics100)]
    [InlineData("application/openmetrics-text;version=0.0.1", ScrapeFormat.Text004, ScrapeFormat.OpenMetrics100)]
    [InlineData("application/openmetrics-text;version=2.0.0", ScrapeFormat.Text004, ScrapeFormat.Text004)]
    // q order wins over header order.
    [InlineData("text/plain;q=0.5,application/openmetrics-text;version=1.0.0", ScrapeFormat.Text004, ScrapeFormat.OpenMetrics100)]
    [InlineData("application/openmetrics-text;q=0.3,text/plain;version=0.0.4;q=0.9", ScrapeFormat.Text004, ScrapeFormat.Text004)]
    [InlineData("application/openmetrics-text;q=0.9," + Proto + ";q=0.3", ScrapeFormat.ProtobufDelimited, ScrapeFormat.OpenMetrics100)]
    // A q that does not parse counts as 0.
    [InlineData("application/openmetrics-text;q=x,text/plain;q=0.1", ScrapeFormat.Text004, ScrapeFormat.Text004)]
    public void Format(string? accept, ScrapeFormat byDefault, ScrapeFormat withOpenMetrics)
    {
        Assert.Equal(byDefault, ScrapeNegotiation.NegotiateFormat(accept));
        Assert.Equal(byDefault, ScrapeNegotiation.NegotiateFormat(accept, openMetrics: false));
        Assert.Equal(withOpenMetrics, ScrapeNegotiation.NegotiateFormat(accept, openMetrics: true));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("gzip", true)]
    [InlineData("gzip, deflate, br", true)]
    [InlineData("gzip, identity", false)]
    [InlineData("identity, gzip", false)]
    [InlineData("*", false)]
    [InlineData("identity;q=0.5, gzip", true)]
    [InlineData("gzip;q=0", false)]
    [InlineData("gzip;q=0.8, *;q=0.1", true)]
    [InlineData("deflate", false)]
    [InlineData("GZIP", false)]
    [InlineData("gzip;q=1.0", true)]
    [InlineData("identity;q=0, *;q=0", false)]
    public void Gzip(string? acceptEncoding, bool expected)
    {
        Assert.Equal(expected, ScrapeNegotiation.NegotiateGzip(acceptEncoding));
    }

    [Fact]
    public void Several_accept_encoding_lines_are_all_read()
    {
        Assert.True(ScrapeNegotiation.NegotiateGzip(["deflate", "gzip"]));
    }

    [Fact]
    public void Result_carries_the_content_types()
    {
        Assert.Equal(
            new ScrapeNegotiationResult(ScrapeFormat.Text004, "text/plain; version=0.0.4; charset=utf-8", true),
            ScrapeNegotiation.Negotiate("text/plain", "gzip"));
        Assert.Equal(
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
            ScrapeNegotiation.Negotiate(Proto, null).ContentType);
        Assert.Equal(
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            ScrapeNegotiation.Negotiate("application/openmetrics-text", null, openMetrics: true).ContentType);
        Assert.Equal(
            "text/plain; version=0.0.4; charset=utf-8",
            ScrapeNegotiation.Negotiate("application/openmetrics-text", null).ContentType);
    }
}
