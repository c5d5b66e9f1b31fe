using Azure.Core;
using Azure.Core.Pipeline;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// With <see cref="TableStorageOptions.CreateTableIfMissing"/>: a request that fails because the
/// table does not exist (404 <c>TableNotFound</c>) creates the table and is sent once more. So a
/// gateway whose storage lost its table (Azurite restarted in memory, a table deleted by hand)
/// recovers without a restart. Runs per call, before the SDK's retries.
/// </summary>
internal sealed class TableRecreationPolicy(Func<CancellationToken, Task> createTable) : HttpPipelinePolicy
{
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ProcessNext(message, pipeline);
        if (IsTableNotFound(message))
        {
            createTable(message.CancellationToken).GetAwaiter().GetResult();
            ProcessNext(message, pipeline);
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        if (IsTableNotFound(message))
        {
            await createTable(message.CancellationToken).ConfigureAwait(false);
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
    }

    private static bool IsTableNotFound(HttpMessage message) =>
        message.HasResponse
        && message.Response.Status == 404
        && message.Response.Headers.TryGetValue("x-ms-error-code", out var code)
        && string.Equals(code, "TableNotFound", StringComparison.OrdinalIgnoreCase);
}
