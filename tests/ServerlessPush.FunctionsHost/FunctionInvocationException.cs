namespace ServerlessPush.FunctionsHost;

/// <summary>An invocation the worker answered with a failure (or could not run: load error, worker gone).</summary>
public sealed class FunctionInvocationException(string functionName, string invocationId, string message, Exception? inner = null)
    : Exception($"Exception while executing function: Functions.{functionName}. {message}", inner)
{
    public string FunctionName { get; } = functionName;

    public string InvocationId { get; } = invocationId;
}
