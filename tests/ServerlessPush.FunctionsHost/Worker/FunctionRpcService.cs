using Grpc.Core;
using Microsoft.Extensions.Logging;
using ServerlessPush.FunctionsHost.Rpc;

namespace ServerlessPush.FunctionsHost.Worker;

/// <summary>
/// The gRPC service the worker connects to. The first message must be a <c>StartStream</c> naming
/// the worker id the host started it with; anything else ends the call, as in the host.
/// </summary>
internal sealed class FunctionRpcService(WorkerChannel channel, HostLog log) : FunctionRpc.FunctionRpcBase
{
    public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            return;
        }
        var first = requestStream.Current;
        if (first.ContentCase != StreamingMessage.ContentOneofCase.StartStream || first.StartStream.WorkerId != channel.WorkerId)
        {
            log.Write(LogLevel.Warning, "Host.Grpc", $"Event stream opened with {first.ContentCase} (worker id '{first.StartStream?.WorkerId}'), not StartStream for worker {channel.WorkerId}; ignored.");
            return;
        }
        log.Write(LogLevel.Debug, "Host.Grpc", $"Established RPC channel. WorkerId: {channel.WorkerId}");
        await channel.RunAsync(requestStream, responseStream, context.CancellationToken).ConfigureAwait(false);
    }
}
