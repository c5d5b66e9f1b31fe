using ServerlessPush.Core.Exposition;

namespace ServerlessPush.Core.Tests.Exposition;

/// <summary>
/// The exact <c>Accept</c> and <c>Accept-Encoding</c> headers today's scrapers send, and what each
/// gets. By default every one gets text 0.0.4 (protobuf when it puts protobuf first), as from
/// Pushgateway 1.11; OpenMetrics only with <c>Gateway:Scrape:OpenMetrics</c>.
/// </summary>
/// <remarks>
/// Sources: Prometheus 2.42 (Debian's binary, observed on the wire, with and without
/// <c>--enable-feature=native-histograms</c>); Prometheus 3.x <c>scrape.acceptHeader</c> over
/// <c>config.DefaultScrapeProtocols</c> / <c>DefaultProtoFirstScrapeProtocols</c> (the latter when
/// <c>scrape_native_histograms</c> is on), weights counted down from 0.6 (five known protocols + 1),
/// <c>escaping=</c> added to the 1.0.0 text formats only. Grafana Alloy's <c>prometheus.scrape</c> and
/// the OpenTelemetry Collector's prometheus receiver run that same Prometheus scrape code with the
/// same default protocols; Alloy's default name validation is legacy, so it asks for
/// <c>escaping=underscores</c>. Older builds of both, on Prometheus 2.49–2.54, had four known
/// protocols and no <c>escaping=</c>. Compression: <c>gzip</c> unless <c>enable_compression: false</c>.
/// </remarks>
public class ScraperAcceptHeaderTests
{
    private const string Proto = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";

    public static TheoryData<string, string, ScrapeFormat, ScrapeFormat> Scrapers => new()
    {
        {
            "Prometheus 2.42",
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            ScrapeFormat.Text004, ScrapeFormat.OpenMetrics100
        },
        {
            "Prometheus 2.42, native histograms",
            Proto + ",application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            ScrapeFormat.ProtobufDelimited, ScrapeFormat.ProtobufDelimited
        },
        {
            "Prometheus 3.x",
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
            ScrapeFormat.Text004, ScrapeFormat.OpenMetrics100
        },
        {
            "Prometheus 3.x, scrape_native_histograms",
            Proto + ";q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
            ScrapeFormat.ProtobufDelimited, ScrapeFormat.ProtobufDelimited
        },
        {
            "Prometheus 3.x, scrape_protocols [PrometheusText1.0.0, PrometheusText0.0.4]",
            "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.6,text/plain;version=0.0.4;q=0.5,*/*;q=0.4",
            ScrapeFormat.Text004, ScrapeFormat.Text004
        },
        {
            "Grafana Alloy",
            "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=underscores;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
            ScrapeFormat.Text004, ScrapeFormat.OpenMetrics100
        },
        {
            "Grafana Alloy / OTel receiver on Prometheus 2.49-2.54",
            "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
            ScrapeFormat.Text004, ScrapeFormat.OpenMetrics100
        },
        {
            "OpenTelemetry Collector prometheus receiver",
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
            ScrapeFormat.Text004, ScrapeFormat.OpenMetrics100
        },
        {
            "OpenTelemetry Collector prometheus receiver, native histograms",
            Proto + ";q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
            ScrapeFormat.ProtobufDelimited, ScrapeFormat.ProtobufDelimited
        },
    };

    [Theory]
    [MemberData(nameof(Scrapers))]
    public void Each_scraper_gets_text_or_protobuf_by_default_and_OpenMetrics_only_when_enabled(
        string scraper, string accept, ScrapeFormat byDefault, ScrapeFormat withOpenMetrics)
    {
        var negotiated = ScrapeNegotiation.Negotiate(accept, "gzip");
        Assert.True(negotiated.Format == byDefault, $"{scraper}: {negotiated.Format}, expected {byDefault}");
        Assert.True(negotiated.Gzip, scraper);
        Assert.Equal(ScrapeNegotiation.ContentTypeFor(byDefault), negotiated.ContentType);
        Assert.Equal(withOpenMetrics, ScrapeNegotiation.Negotiate(accept, "gzip", openMetrics: true).Format);
        Assert.False(ScrapeNegotiation.Negotiate(accept, "identity").Gzip, scraper);
    }
}
