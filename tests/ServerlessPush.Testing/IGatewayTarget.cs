namespace ServerlessPush.Testing;

/// <summary>
/// A running gateway the suites send requests to, whichever way it is hosted: the local host
/// (<see cref="GatewayServer"/>) or the Functions app under the Functions test host
/// (ServerlessPush.FunctionsHost).
/// </summary>
public interface IGatewayTarget : IAsyncDisposable
{
    /// <summary>Short name for test names and messages: "localhost", "functions".</summary>
    string Name { get; }

    Uri BaseAddress { get; }

    /// <summary>A client of <see cref="BaseAddress"/> that follows no redirects.</summary>
    HttpClient Client { get; }
}
