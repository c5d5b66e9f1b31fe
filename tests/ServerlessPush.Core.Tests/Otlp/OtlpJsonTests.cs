using System.Text;
using OpenTelemetry.Proto.Metrics.V1;
using ServerlessPush.Core.Otlp;

namespace ServerlessPush.Core.Tests.Otlp;

public sealed class OtlpJsonTests
{
    // As the OTLP/HTTP JSON examples write it: lowerCamelCase, 64-bit integers as strings, enums as
    // integers, trace and span ids in hex; plus a field this version does not know.
    private const string Json = """
        {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"backup"}}]},
          "scopeMetrics":[{"scope":{"name":"s"},"futureField":{"x":1},"metrics":[
            {"name":"jobs","unit":"1","sum":{"aggregationTemporality":2,"isMonotonic":true,
              "dataPoints":[{"asInt":"9007199254740993","timeUnixNano":"1700000000000000000",
                "exemplars":[{"asDouble":1,"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}]}]}},
            {"name":"temp","gauge":{"dataPoints":[{"asDouble":21.5}]}},
            {"name":"d","histogram":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE",
              "dataPoints":[{"count":"2","sum":3,"bucketCounts":["1","1"],"explicitBounds":[1]}]}}]}]}]}
        """;

    [Fact]
    public void Otlp_json_is_read_with_hex_ids_string_integers_and_enum_numbers()
    {
        var request = OtlpJson.ParseRequest(Encoding.UTF8.GetBytes(Json));
        var metrics = request.ResourceMetrics[0].ScopeMetrics[0].Metrics;
        var point = metrics[0].Sum.DataPoints[0];
        Assert.Equal(9007199254740993L, point.AsInt);
        Assert.Equal(AggregationTemporality.Cumulative, metrics[0].Sum.AggregationTemporality);
        Assert.Equal("5b8efff798038103d269b633813fc60c", Convert.ToHexStringLower(point.Exemplars[0].TraceId.Span));
        Assert.Equal("eee19b7ec3c1b174", Convert.ToHexStringLower(point.Exemplars[0].SpanId.Span));
        Assert.Equal(21.5, metrics[1].Gauge.DataPoints[0].AsDouble);
        Assert.Equal([1UL, 1UL], metrics[2].Histogram.DataPoints[0].BucketCounts);
    }

    [Theory]
    [InlineData("{\"resourceMetrics\":[")]
    [InlineData("[]")]
    [InlineData("{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"sum\":{\"dataPoints\":[{\"exemplars\":[{\"traceId\":\"xyz\"}]}]}}]}]}]}")]
    [InlineData("{\"resourceMetrics\":\"no\"}")]
    public void Anything_else_is_a_request_error(string json) =>
        Assert.Throws<OtlpRequestException>(() => OtlpJson.ParseRequest(Encoding.UTF8.GetBytes(json)));
}
