using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using ServerlessPush.FunctionsHost.Rpc;

namespace ServerlessPush.FunctionsHost.Worker;

/// <summary>
/// The host's end of one worker's <c>FunctionRpc.EventStream</c>: messages to the worker are queued
/// and written in order; messages from it complete whatever request is waiting for them
/// (init, metadata, load, invocation, status) or go to the log (<c>RpcLog</c>).
/// </summary>
internal sealed class WorkerChannel(string workerId, HostLog log)
{
    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new();
    private int _streams;

    public string WorkerId { get; } = workerId;

    /// <summary>Completes when the worker has opened the stream with a <c>StartStream</c> naming this worker.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Completes when the stream has ended.</summary>
    public Task Disconnected => _disconnected.Task;

    public bool IsConnected => _connected.Task.IsCompleted && !_disconnected.Task.IsCompleted;

    /// <summary>Queues a message for the worker.</summary>
    public void Send(StreamingMessage message)
    {
        if (!_outbound.Writer.TryWrite(message))
        {
            throw new InvalidOperationException($"The gRPC channel of worker {WorkerId} is closed.");
        }
    }

    /// <summary>
    /// Sends <paramref name="message"/> and waits for the worker's answer, matched by
    /// <paramref name="key"/> (see <see cref="KeyOf"/>).
    /// </summary>
    /// <exception cref="TimeoutException">No answer within <paramref name="timeout"/>.</exception>
    /// <exception cref="WorkerDisconnectedException">The stream ended first.</exception>
    public async Task<StreamingMessage> RequestAsync(StreamingMessage message, string key, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var answer = Expect(key);
        Send(message);
        return await AwaitAsync(answer, key, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Registers interest in the answer with <paramref name="key"/> before the request is sent.</summary>
    public Task<StreamingMessage> Expect(string key)
    {
        var source = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(key, source))
        {
            throw new InvalidOperationException($"Already waiting for {key}.");
        }
        if (_disconnected.Task.IsCompleted)
        {
            _pending.TryRemove(key, out _);
            throw new WorkerDisconnectedException(WorkerId);
        }
        return source.Task;
    }

    public async Task<StreamingMessage> AwaitAsync(Task<StreamingMessage> answer, string key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await answer.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Worker {WorkerId} did not answer {key} within {timeout.TotalSeconds:0.#} s.");
        }
        finally
        {
            _pending.TryRemove(key, out _);
        }
    }

    /// <summary>The key an answer is matched by: the message kind, plus the function, invocation or request it is about.</summary>
    public static string KeyOf(StreamingMessage message) => message.ContentCase switch
    {
        StreamingMessage.ContentOneofCase.WorkerInitResponse => "WorkerInitResponse",
        StreamingMessage.ContentOneofCase.FunctionMetadataResponse => "FunctionMetadataResponse",
        StreamingMessage.ContentOneofCase.FunctionLoadResponse => "FunctionLoadResponse:" + message.FunctionLoadResponse.FunctionId,
        StreamingMessage.ContentOneofCase.InvocationResponse => "InvocationResponse:" + message.InvocationResponse.InvocationId,
        StreamingMessage.ContentOneofCase.WorkerStatusResponse => "WorkerStatusResponse:" + message.RequestId,
        StreamingMessage.ContentOneofCase.FunctionLoadResponseCollection => "FunctionLoadResponseCollection",
        var other => other.ToString(),
    };

    /// <summary>Runs one event stream (called by the gRPC service after it has read the worker's <c>StartStream</c>).</summary>
    public async Task RunAsync(IAsyncStreamReader<StreamingMessage> fromWorker, IServerStreamWriter<StreamingMessage> toWorker, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _streams) != 1)
        {
            // The host allows several streams per worker (MultiStream); this worker never opens a second one.
            log.Write(LogLevel.Warning, "Host.Grpc", $"Worker {WorkerId} opened a second event stream; ignored.");
            return;
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _connected.TrySetResult();
        var writer = WriteAsync(toWorker, cts.Token);
        try
        {
            while (await fromWorker.MoveNext(cts.Token).ConfigureAwait(false))
            {
                Dispatch(fromWorker.Current);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or Grpc.Core.RpcException)
        {
            // stream torn down (worker exited, or the host stops)
        }
        finally
        {
            _outbound.Writer.TryComplete();
            await cts.CancelAsync().ConfigureAwait(false);
            try
            {
                await writer.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException or Grpc.Core.RpcException)
            {
                // nothing left to send to
            }
            Close();
        }
    }

    /// <summary>Fails everything still waiting (the worker is gone).</summary>
    public void Close()
    {
        _outbound.Writer.TryComplete();
        _disconnected.TrySetResult();
        foreach (var (key, source) in _pending)
        {
            if (_pending.TryRemove(key, out _))
            {
                source.TrySetException(new WorkerDisconnectedException(WorkerId));
            }
        }
    }

    private async Task WriteAsync(IServerStreamWriter<StreamingMessage> toWorker, CancellationToken cancellationToken)
    {
        await foreach (var message in _outbound.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await toWorker.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Dispatch(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.RpcLog:
                Log(message.RpcLog);
                return;
            case StreamingMessage.ContentOneofCase.FunctionLoadResponseCollection:
                foreach (var response in message.FunctionLoadResponseCollection.FunctionLoadResponses)
                {
                    Dispatch(new StreamingMessage { RequestId = message.RequestId, FunctionLoadResponse = response });
                }
                return;
        }
        if (_pending.TryRemove(KeyOf(message), out var source))
        {
            source.TrySetResult(message);
        }
        else
        {
            log.Write(LogLevel.Debug, "Host.Grpc", $"Unsolicited {message.ContentCase} from worker {WorkerId}.");
        }
    }

    private void Log(RpcLog rpcLog)
    {
        var level = rpcLog.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        };
        var text = rpcLog.Message;
        if (rpcLog.Exception is { } exception)
        {
            text += $"\n      {exception.Type}: {exception.Message}";
        }
        var category = string.IsNullOrEmpty(rpcLog.Category) ? "Worker" : rpcLog.Category;
        log.Write(level, $"Worker.{rpcLog.LogCategory}.{category}", text + (string.IsNullOrEmpty(rpcLog.InvocationId) ? "" : $" (invocation {rpcLog.InvocationId})"));
    }
}

/// <summary>The worker's event stream ended while the host was waiting for an answer.</summary>
public sealed class WorkerDisconnectedException(string workerId)
    : Exception($"The worker {workerId} disconnected from the host (its gRPC event stream ended).")
{
    public string WorkerId { get; } = workerId;
}
