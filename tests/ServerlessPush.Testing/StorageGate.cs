using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessPush.Storage.Tables;

namespace ServerlessPush.Testing;

/// <summary>
/// Holds the first storage request that matches, until the test releases it: one instance's write
/// is stopped at a chosen point while another instance acts, then goes on. Install it with
/// <see cref="InstallOn"/> in <see cref="GatewayServer.StartAsync"/>'s configure callback.
/// </summary>
public sealed class StorageGate : HttpPipelinePolicy
{
    private Func<string, string, bool>? _match;
    private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a matching request has been stopped.</summary>
    public Task Reached => _reached.Task;

    /// <summary>Stop the next request whose method and text (URI plus body) match; later ones pass.</summary>
    public void Arm(Func<string, string, bool> match)
    {
        _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _match, match);
    }

    /// <summary>Lets the stopped request go on (and disarms the gate if nothing matched).</summary>
    public void Release()
    {
        Volatile.Write(ref _match, null);
        _release.TrySetResult();
    }

    /// <summary>A write of a group's head row: <c>PartitionKey='pk',RowKey='head'</c> in the URI or in a batch body.</summary>
    public static Func<string, string, bool> HeadWrite(string partitionKey) =>
        (method, text) => method != "GET" && text.Contains($"PartitionKey='{partitionKey}',RowKey='head'", StringComparison.Ordinal);

    /// <summary>Registers the gateway's table client with this gate in its pipeline.</summary>
    public void InstallOn(WebApplicationBuilder builder) =>
        builder.Services.AddSingleton(sp => TableClientFactory.Create(
            sp.GetRequiredService<IOptions<TableStorageOptions>>().Value,
            sp.GetRequiredService<StorageRequestCounter>(),
            this));

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The gateway's storage calls are asynchronous.");

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var match = Volatile.Read(ref _match);
        if (match is not null && match(message.Request.Method.Method, await TextOfAsync(message.Request).ConfigureAwait(false))
            && Interlocked.CompareExchange(ref _match, null, match) == match)
        {
            _reached.TrySetResult();
            await _release.Task.ConfigureAwait(false);
        }
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
    }

    private static async Task<string> TextOfAsync(Request request)
    {
        var text = Uri.UnescapeDataString(request.Uri.ToString());
        if (request.Content is null)
        {
            return text;
        }
        using var body = new MemoryStream();
        await request.Content.WriteToAsync(body, CancellationToken.None).ConfigureAwait(false);
        return text + "\n" + Uri.UnescapeDataString(System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }
}
