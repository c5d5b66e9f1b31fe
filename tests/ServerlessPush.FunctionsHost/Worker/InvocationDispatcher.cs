using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ServerlessPush.FunctionsHost.Metadata;
using ServerlessPush.FunctionsHost.Rpc;

namespace ServerlessPush.FunctionsHost.Worker;

/// <summary>
/// Sends one <c>InvocationRequest</c> and waits for its <c>InvocationResponse</c>, logging
/// <c>Executing</c>/<c>Executed</c> lines as the host does. A function whose load failed is not
/// sent: it fails with the load error.
/// </summary>
internal sealed class InvocationDispatcher(WorkerChannel channel, WorkerCapabilities capabilities, HostLog log)
{
    public WorkerCapabilities Capabilities => capabilities;

    /// <summary>
    /// Sends the request and returns the worker's answer, a failure included (and a failure made up
    /// here if the worker goes away); <see cref="ThrowIfFailed"/> turns a failure into an exception.
    /// </summary>
    /// <param name="beforeSend">Runs after the answer is awaited and before the request goes out (the HTTP forwarding starts there).</param>
    /// <exception cref="FunctionInvocationException">The function failed to load: nothing is sent.</exception>
    public async Task<InvocationResponse> InvokeAsync(FunctionDescriptor function, InvocationRequest request, string reason,
        Action? beforeSend, CancellationToken cancellationToken)
    {
        if (function.State == FunctionState.LoadFailed)
        {
            throw new FunctionInvocationException(function.Name, request.InvocationId, function.Error ?? "The function failed to load.");
        }
        var clock = Stopwatch.StartNew();
        log.Write(LogLevel.Information, $"Function.{function.Name}", $"Executing 'Functions.{function.Name}' (Reason='{reason}', Id={request.InvocationId})");
        var key = "InvocationResponse:" + request.InvocationId;
        var answer = channel.Expect(key);
        beforeSend?.Invoke();
        channel.Send(new StreamingMessage { InvocationRequest = request });
        using var cancel = capabilities.HandlesInvocationCancelMessage
            ? cancellationToken.Register(() => channel.Send(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = request.InvocationId } }))
            : default;
        InvocationResponse response;
        try
        {
            // No time limit of its own: the worker answers (cancelled, if asked to cancel) or goes away.
            response = (await channel.AwaitAsync(answer, key, Timeout.InfiniteTimeSpan, CancellationToken.None).ConfigureAwait(false)).InvocationResponse;
        }
        catch (WorkerDisconnectedException ex)
        {
            response = new InvocationResponse
            {
                InvocationId = request.InvocationId,
                Result = new StatusResult { Status = StatusResult.Types.Status.Failure, Exception = new RpcException { Message = ex.Message, Type = ex.GetType().FullName } },
            };
        }
        var outcome = response.Result?.Status switch
        {
            StatusResult.Types.Status.Success => "Succeeded",
            StatusResult.Types.Status.Cancelled => "Cancelled",
            _ => "Failed",
        };
        log.Write(outcome == "Succeeded" ? LogLevel.Information : LogLevel.Error, $"Function.{function.Name}",
            $"Executed 'Functions.{function.Name}' ({outcome}, Id={request.InvocationId}, Duration={clock.ElapsedMilliseconds}ms)"
            + (response.Result?.Exception is { } e ? $"\n      {e.Type}: {e.Message}" : ""));
        return response;
    }

    /// <exception cref="FunctionInvocationException">The response reports a failure or a cancellation.</exception>
    public static void ThrowIfFailed(FunctionDescriptor function, InvocationResponse response)
    {
        if (response.Result?.Status == StatusResult.Types.Status.Success)
        {
            return;
        }
        var exception = response.Result?.Exception;
        throw new FunctionInvocationException(function.Name, response.InvocationId,
            exception is null ? response.Result?.Result is { Length: > 0 } r ? r : "The worker reported a failure." : $"{exception.Type}: {exception.Message}");
    }

    /// <summary>The trace context of an invocation: the current activity's W3C id, else a new one.</summary>
    public static RpcTraceContext TraceContext() => new()
    {
        TraceParent = Activity.Current?.Id ?? $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-00",
        TraceState = Activity.Current?.TraceStateString ?? "",
    };
}
