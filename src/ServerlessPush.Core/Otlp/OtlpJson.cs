using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Metrics.V1;

namespace ServerlessPush.Core.Otlp;

/// <summary>
/// OTLP/HTTP's JSON encoding, read with Google.Protobuf's <see cref="JsonParser"/>, which already reads
/// what OTLP asks for: lowerCamelCase (and original) field names, 64-bit integers as strings or numbers,
/// enums as names or integers, unknown fields ignored. One thing differs: OTLP writes trace and span ids
/// as hex, the protobuf JSON mapping as base64, so those fields are turned into base64 first.
/// </summary>
public static class OtlpJson
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly HashSet<string> IdFields = new(StringComparer.Ordinal) { "traceId", "spanId", "trace_id", "span_id" };

    /// <exception cref="OtlpRequestException">The body is not OTLP JSON.</exception>
    public static ExportMetricsServiceRequest ParseRequest(ReadOnlySpan<byte> body)
    {
        try
        {
            var node = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
            HexIdsToBase64(node);
            return Parser.Parse<ExportMetricsServiceRequest>(node?.ToJsonString() ?? "null");
        }
        catch (Exception e) when (e is JsonException or InvalidProtocolBufferException or InvalidJsonException or FormatException or InvalidOperationException)
        {
            throw new OtlpRequestException("request body is not an OTLP JSON ExportMetricsServiceRequest: " + e.Message);
        }
    }

    public static string Format(IMessage message) => JsonFormatter.Default.Format(message);

    private static void HexIdsToBase64(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (IdFields.Contains(name) && value is JsonValue v && v.TryGetValue<string>(out var hex))
                    {
                        obj[name] = Convert.ToBase64String(Convert.FromHexString(hex));
                    }
                    else
                    {
                        HexIdsToBase64(value);
                    }
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    HexIdsToBase64(item);
                }
                break;
        }
    }
}
