using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using ServerlessPush.FunctionsHost.Rpc;
using ServerlessPush.FunctionsHost.Worker;

namespace ServerlessPush.FunctionsHost.Http;

/// <summary>
/// What the host puts into an HTTP trigger's <c>InvocationRequest</c>, as its HTTP trigger binding
/// and gRPC conversion do when the worker proxies HTTP: the trigger input is an empty
/// <c>RpcHttp</c> (only the route parameters if the worker requires them), and the trigger
/// metadata holds the top-level properties of a JSON body, the query parameters (not <c>code</c>),
/// the route values, and <c>Query</c> and <c>Headers</c> as JSON objects. The request itself is
/// left out (the worker declares <c>RpcHttpTriggerMetadataRemoved</c>; it gets the real request by
/// forwarding).
/// </summary>
internal static class HttpTriggerData
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The binding data. Reads a body with a <c>Content-Length</c> as the binding does: buffered,
    /// as UTF-8 text, then rewound, so the forwarder still sends it whole.
    /// </summary>
    public static async Task<Dictionary<string, object?>> BindAsync(HttpRequest request, IReadOnlyDictionary<string, object?> routeData)
    {
        var data = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        if (request.ContentLength > 0)
        {
            request.EnableBuffering();
            string body;
            using (var reader = new StreamReader(request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 4096, leaveOpen: true))
            {
                body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
            }
            request.Body.Seek(0, SeekOrigin.Begin);
            AddJsonBodyProperties(body, data);
        }
        var query = request.Query.ToDictionary(q => q.Key, q => q.Value.LastOrDefault() ?? "");
        foreach (var (key, value) in query)
        {
            if (!key.Equals("code", StringComparison.OrdinalIgnoreCase))
            {
                data[key] = value;
            }
        }
        foreach (var (key, value) in routeData)
        {
            data[key] = value;
        }
        data.TryAdd("Query", query);
        data.TryAdd("Headers", request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
        return data;
    }

    /// <summary>Binding data values as the host converts them to <c>TypedData</c>; null values are left out.</summary>
    public static void AddTo(Google.Protobuf.Collections.MapField<string, TypedData> metadata, IReadOnlyDictionary<string, object?> data)
    {
        foreach (var (key, value) in data)
        {
            if (value is not null)
            {
                metadata[key] = ToTypedData(value);
            }
        }
    }

    /// <summary>The trigger input: with proxying, an empty <c>RpcHttp</c>, or one with only the route parameters.</summary>
    public static TypedData TriggerInput(WorkerCapabilities capabilities, IReadOnlyDictionary<string, object?> routeData)
    {
        var http = new RpcHttp();
        if (capabilities.RequiresRouteParameters)
        {
            foreach (var (key, value) in routeData)
            {
                if (value is null)
                {
                    continue;
                }
                var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
                if (capabilities.UseNullableValueDictionaryForHttp)
                {
                    http.NullableParams[key] = new NullableString { Value = text };
                }
                else
                {
                    http.Params[key] = text;
                }
            }
        }
        return new TypedData { Http = http };
    }

    private static TypedData ToTypedData(object value) => value switch
    {
        string s => new TypedData { String = s },
        double d => new TypedData { Double = d },
        byte[] b => new TypedData { Bytes = ByteString.CopyFrom(b) },
        JsonNode node => new TypedData { Json = node.ToJsonString(Json) },
        _ => new TypedData { Json = JsonSerializer.Serialize(value, Json) },
    };

    private static void AddJsonBodyProperties(string body, Dictionary<string, object?> data)
    {
        var trimmed = body.Trim();
        if (!(trimmed.StartsWith('{') && trimmed.EndsWith('}')))
        {
            return; // not JSON: no binding data from the body (arrays add none either)
        }
        JsonObject? parsed;
        try
        {
            parsed = JsonNode.Parse(trimmed) as JsonObject;
        }
        catch (JsonException)
        {
            return;
        }
        foreach (var (name, node) in parsed ?? [])
        {
            switch (node)
            {
                case null or JsonArray:
                    break;
                case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                    data[name] = v.GetValue<string>();
                    break;
                case JsonValue v when v.GetValueKind() == JsonValueKind.Number && !v.ToJsonString().Contains('.', StringComparison.Ordinal) && long.TryParse(v.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer):
                    data[name] = integer;
                    break;
                case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                    data[name] = v.GetValue<double>();
                    break;
                default:
                    data[name] = node.DeepClone();
                    break;
            }
        }
    }
}
