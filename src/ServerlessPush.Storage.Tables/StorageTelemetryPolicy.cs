using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;
using ServerlessPush.Core.Telemetry;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// Measures each try that leaves the SDK pipeline (one per retry): requests by operation and status,
/// retries, throttling (429/503) and latency, each try a child span of the request's. A pipeline
/// policy, so the store's code knows nothing of it.
/// </summary>
public sealed class StorageTelemetryPolicy : HttpPipelinePolicy
{
    public static StorageTelemetryPolicy Instance { get; } = new();

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: false).AsTask().GetAwaiter().GetResult();

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: true);

    private static async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline, bool async)
    {
        var operation = Operation(message.Request);
        var tags = new KeyValuePair<string, object?>("operation", operation);
        if (message.ProcessingContext.RetryNumber > 0)
        {
            GatewayTelemetry.StorageRetries.Add(1, tags);
        }
        using var activity = GatewayTelemetry.ActivitySource.StartActivity("storage " + operation, ActivityKind.Client);
        activity?.SetTag("db.system", "azure_table_storage");
        activity?.SetTag("http.request.method", message.Request.Method.Method);
        var started = Stopwatch.GetTimestamp();
        var status = 0;
        try
        {
            if (async)
            {
                await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            }
            else
            {
                ProcessNext(message, pipeline);
            }
            status = message.HasResponse ? message.Response.Status : 0;
        }
        finally
        {
            GatewayTelemetry.StorageDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
            GatewayTelemetry.StorageRequests.Add(1, tags, new("code", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            if (status is 429 or 503)
            {
                GatewayTelemetry.StorageThrottles.Add(1, tags);
            }
            activity?.SetTag("http.response.status_code", status);
            if (status is 0 or >= 500)
            {
                activity?.SetStatus(ActivityStatusCode.Error);
            }
        }
    }

    /// <summary>The Table REST operation, from the method and the path: a fixed set, never a key.</summary>
    internal static string Operation(Request request)
    {
        var path = request.Uri.Path;
        var method = request.Method.Method;
        if (path.EndsWith("/$batch", StringComparison.Ordinal))
        {
            return "batch";
        }
        if (path.Contains("/Tables", StringComparison.Ordinal))
        {
            return method == "POST" ? "create_table" : method == "DELETE" ? "delete_table" : "tables";
        }
        var entity = path.EndsWith(')') && path.Contains("PartitionKey=", StringComparison.Ordinal);
        return method switch
        {
            "GET" => entity ? "get" : "query",
            "PUT" => "upsert",
            "MERGE" or "PATCH" => "merge",
            "DELETE" => "delete",
            "POST" => "insert",
            _ => method.ToLowerInvariant(),
        };
    }
}
