using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ServerlessPush.FunctionsHost.Metadata;
using ServerlessPush.FunctionsHost.Rpc;
using ServerlessPush.FunctionsHost.Worker;
using Yarp.ReverseProxy.Forwarder;

namespace ServerlessPush.FunctionsHost.Http;

/// <summary>
/// Runs an HTTP-triggered function for a worker with the ASP.NET Core integration, in the host's
/// order: bind the trigger, add the <c>x-ms-invocation-id</c> header (unless the client sent one),
/// start forwarding the client's request to the worker's own listener with YARP's
/// <see cref="IHttpForwarder"/> (the worker's answer is written straight to the client), send the
/// <c>InvocationRequest</c>, wait for the <c>InvocationResponse</c>, then for the forwarding.
/// A forwarding error or a failed invocation is thrown (the host's exception middleware turns it
/// into a 500 if nothing was written yet).
/// </summary>
internal sealed class HttpFunctionInvoker(InvocationDispatcher dispatcher, IHttpForwarder forwarder, HttpMessageInvoker client)
{
    public const string CorrelationHeader = "x-ms-invocation-id";

    private static readonly ForwarderRequestConfig RequestConfig = new() { ActivityTimeout = TimeSpan.FromSeconds(240) };

    public async Task InvokeAsync(HttpContext context, FunctionDescriptor function)
    {
        var workerUri = dispatcher.Capabilities.HttpUri
            ?? throw new InvalidOperationException("The worker announced no HttpUri: this test host runs HTTP functions only through the ASP.NET Core integration.");
        var routeData = RouteDataOf(context);
        var bindingData = await HttpTriggerData.BindAsync(context.Request, routeData).ConfigureAwait(false);

        var invocationId = Guid.NewGuid().ToString();
        var request = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = function.FunctionId,
            TraceContext = InvocationDispatcher.TraceContext(),
        };
        request.InputData.Add(new ParameterBinding { Name = function.Trigger.Name, Data = HttpTriggerData.TriggerInput(dispatcher.Capabilities, routeData) });
        HttpTriggerData.AddTo(request.TriggerMetadata, bindingData);

        Task<ForwarderError>? forwarding = null;
        var response = await dispatcher.InvokeAsync(function, request, "This function was programmatically called via the host APIs.", () =>
        {
            context.Request.Headers.TryAdd(CorrelationHeader, invocationId);
            forwarding = forwarder.SendAsync(context, workerUri.ToString(), client, RequestConfig).AsTask();
        }, context.RequestAborted).ConfigureAwait(false);

        // As the host: the forwarding is awaited before the invocation's outcome counts.
        var error = await forwarding!.ConfigureAwait(false);
        if (error != ForwarderError.None)
        {
            throw new InvalidOperationException($"Failed to proxy request with ForwarderError: {error}", context.GetForwarderErrorFeature()?.Exception);
        }
        InvocationDispatcher.ThrowIfFailed(function, response);
    }

    /// <summary>
    /// The route values, plus every optional parameter of the matched template that has no value
    /// and no default, as null (the host's <c>PopulateRouteData</c>).
    /// </summary>
    private static Dictionary<string, object?> RouteDataOf(HttpContext context)
    {
        var routeData = context.GetRouteData();
        var values = new Dictionary<string, object?>(routeData.Values, StringComparer.OrdinalIgnoreCase);
        if (routeData.Routers.OfType<Route>().FirstOrDefault() is { } route)
        {
            foreach (var parameter in route.ParsedTemplate.Parameters.Where(p => p.IsOptional && p.DefaultValue is null))
            {
                values.TryAdd(parameter.Name!, null);
            }
        }
        return values;
    }
}
