namespace ServerlessPush.FunctionsHost.Worker;

/// <summary>What the worker announced in its <c>WorkerInitResponse</c>; the host changes its behaviour by these.</summary>
public sealed class WorkerCapabilities(IReadOnlyDictionary<string, string> values)
{
    public IReadOnlyDictionary<string, string> Values { get; } = values;

    /// <summary>The worker's own HTTP listener (ASP.NET Core integration): HTTP requests are forwarded there.</summary>
    public Uri? HttpUri => Values.TryGetValue("HttpUri", out var uri) && !string.IsNullOrEmpty(uri) ? new Uri(uri) : null;

    public bool Has(string capability) => Values.TryGetValue(capability, out var value) && !string.IsNullOrEmpty(value);

    /// <summary>With HTTP proxying, the invocation's <c>RpcHttp</c> carries the route parameters (else it is empty).</summary>
    public bool RequiresRouteParameters => Has("RequiresRouteParameters");

    public bool UseNullableValueDictionaryForHttp => Has("UseNullableValueDictionaryForHttp");

    public bool HandlesInvocationCancelMessage => Has("HandlesInvocationCancelMessage");

    public bool HandlesWorkerTerminateMessage => Has("HandlesWorkerTerminateMessage");

    public bool SupportsLoadResponseCollection => Has("SupportsLoadResponseCollection");
}
