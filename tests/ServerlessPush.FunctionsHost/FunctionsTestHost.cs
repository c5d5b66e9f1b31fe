using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ServerlessPush.FunctionsHost.Http;
using ServerlessPush.FunctionsHost.Metadata;
using ServerlessPush.FunctionsHost.Rpc;
using ServerlessPush.FunctionsHost.Timers;
using ServerlessPush.FunctionsHost.Worker;
using ServerlessPush.Testing;

namespace ServerlessPush.FunctionsHost;

/// <summary>How to start a <see cref="FunctionsTestHost"/>.</summary>
public sealed record FunctionsTestHostOptions
{
    /// <summary>The published app (what <c>dotnet publish</c> writes: worker.config.json, functions.metadata, host.json).</summary>
    public required string AppDirectory { get; init; }

    /// <summary>App settings, as environment variable names (<c>Gateway__Tables__TableName</c>).</summary>
    public IReadOnlyDictionary<string, string?> AppSettings { get; init; } = new Dictionary<string, string?>();

    /// <summary>How long the worker may take to connect, initialise and load (the host allows 60 s to connect).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The clock timers are scheduled on.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Called for every line the worker process writes.</summary>
    public Action<string>? OnWorkerOutput { get; init; }
}

/// <summary>
/// A stand-in for the Azure Functions host 4.x running a published .NET isolated app with the
/// ASP.NET Core integration: it starts the app as its own worker process, serves the worker's
/// gRPC event stream (init, function metadata, function load, invocations), routes HTTP requests
/// as the host does and forwards them to the worker's own listener with YARP's forwarder, and
/// fires timer triggers on their schedule or on demand. README.md says what it leaves out.
/// <c>await using var host = await FunctionsTestHost.StartAsync(new() { AppDirectory = … });</c>
/// </summary>
public sealed class FunctionsTestHost : IAsyncDisposable
{
    /// <summary>What this host tells the worker it is (the host version the observations were made with).</summary>
    public const string HostVersion = "4.1037.0.0";

    private static readonly TimeSpan InitTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan TerminateGracePeriod = TimeSpan.FromSeconds(5);

    private readonly GrpcServer _grpc;
    private readonly WorkerChannel _channel;
    private readonly ManagedProcess _worker;
    private readonly List<TimerTrigger> _timers = [];
    private HttpFrontEnd? _frontEnd;
    private InvocationDispatcher? _dispatcher;
    private int _disposed;

    private FunctionsTestHost(HostLog log, GrpcServer grpc, WorkerChannel channel, ManagedProcess worker)
    {
        Log = log;
        _grpc = grpc;
        _channel = channel;
        _worker = worker;
    }

    /// <summary>http://127.0.0.1:PORT/ — where clients send their requests.</summary>
    public Uri BaseAddress => _frontEnd?.BaseAddress ?? throw new InvalidOperationException("Not started.");

    /// <summary>A client of <see cref="BaseAddress"/> that follows no redirects and decompresses nothing.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>The functions the worker reported, in its order, with the state the host gave them.</summary>
    public IReadOnlyList<FunctionDescriptor> Functions { get; private set; } = [];

    public WorkerCapabilities WorkerCapabilities { get; private set; } = new(new Dictionary<string, string>());

    public HostLog Log { get; }

    public int WorkerProcessId => _worker.Id;

    public bool WorkerHasExited => _worker.HasExited;

    /// <summary>What the worker process wrote to stdout/stderr (recent lines).</summary>
    public string WorkerOutput => _worker.Output;

    /// <summary>Called with every client request as it arrives, before the host touches it (to record what clients send).</summary>
    public Func<HttpContext, Task>? OnRequest { get; set; }

    /// <exception cref="InvalidOperationException">The worker did not start, connect, initialise or load; the message holds the host log and the worker output.</exception>
    public static async Task<FunctionsTestHost> StartAsync(FunctionsTestHostOptions options, CancellationToken cancellationToken = default)
    {
        var appDirectory = Path.GetFullPath(options.AppDirectory);
        var log = new HostLog();
        var settings = new AppSettings(options.AppSettings);
        var channel = new WorkerChannel(Guid.NewGuid().ToString(), log);
        var grpc = await GrpcServer.StartAsync(channel, log, cancellationToken).ConfigureAwait(false);
        ManagedProcess worker;
        try
        {
            worker = WorkerProcessLauncher.Start(appDirectory, grpc.Uri, channel.WorkerId, settings, options.OnWorkerOutput);
        }
        catch
        {
            await grpc.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var host = new FunctionsTestHost(log, grpc, channel, worker);
        try
        {
            await host.InitialiseAsync(appDirectory, settings, options, cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var report = $"The Functions test host could not start the app in '{appDirectory}': {ex.Message}\n"
                + $"--- host log ---\n{log}\n--- worker output ({worker}) ---\n{worker.Output}";
            await host.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException(report, ex);
        }
    }

    private async Task InitialiseAsync(string appDirectory, AppSettings settings, FunctionsTestHostOptions options, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        _ = WatchWorkerAsync();
        await WaitForConnectionAsync(options.StartTimeout, cancellationToken).ConfigureAwait(false);
        Log.Write(LogLevel.Debug, "Host.Worker", $"Worker process started and initialized. Received StartStream after {clock.ElapsedMilliseconds}ms.");

        var init = new WorkerInitRequest { HostVersion = HostVersion, WorkerDirectory = appDirectory, FunctionAppDirectory = appDirectory };
        init.Capabilities.Add("MultiStream", "10");
        var initResponse = (await _channel.RequestAsync(new StreamingMessage { WorkerInitRequest = init }, "WorkerInitResponse", InitTimeout, cancellationToken)
            .ConfigureAwait(false)).WorkerInitResponse;
        if (initResponse.Result?.Status != StatusResult.Types.Status.Success)
        {
            throw new InvalidOperationException("The worker failed to initialise: " + initResponse.Result?.Exception?.Message);
        }
        WorkerCapabilities = new WorkerCapabilities(new Dictionary<string, string>(initResponse.Capabilities));
        Log.Write(LogLevel.Debug, "Host.Worker", "Worker capabilities: " + string.Join(", ", WorkerCapabilities.Values.Select(c => $"{c.Key}={c.Value}")));

        Functions = await ReadFunctionMetadataAsync(appDirectory, cancellationToken).ConfigureAwait(false);
        Index(Functions, settings);
        await LoadAsync(Functions, cancellationToken).ConfigureAwait(false);
        Log.Write(LogLevel.Information, "Host.Startup", $"{Functions.Count} functions loaded");

        _dispatcher = new InvocationDispatcher(_channel, WorkerCapabilities, Log);
        _frontEnd = await HttpFrontEnd.StartAsync(Functions, RoutePrefix(appDirectory, settings), _dispatcher, settings, Log,
            context => OnRequest?.Invoke(context) ?? Task.CompletedTask, cancellationToken).ConfigureAwait(false);
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None, UseCookies = false })
        {
            BaseAddress = _frontEnd.BaseAddress,
        };
        foreach (var function in Functions.Where(f => f.IsTimerTrigger && f.State == FunctionState.Ready))
        {
            var timer = new TimerTrigger(function, TimerSchedule.Parse(function.Route!), function.Trigger.GetBoolean("useMonitor") ?? true,
                _dispatcher, Log, options.TimeProvider);
            _timers.Add(timer);
            timer.Start();
        }
        Log.Write(LogLevel.Information, "Host.Startup", $"Host started ({clock.ElapsedMilliseconds}ms)");
    }

    private async Task WaitForConnectionAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var exited = _worker.WaitForExitAsync(timeout, cts.Token);
        var first = await Task.WhenAny(_channel.Connected, exited).ConfigureAwait(false);
        await cts.CancelAsync().ConfigureAwait(false);
        if (first == _channel.Connected)
        {
            return;
        }
        cancellationToken.ThrowIfCancellationRequested();
        throw await exited.ConfigureAwait(false)
            ? new InvalidOperationException($"The worker process exited with code {_worker.ExitCode} before it connected.")
            : new TimeoutException($"The worker did not open its event stream within {timeout.TotalSeconds:0} s.");
    }

    private async Task WatchWorkerAsync()
    {
        await _worker.WaitForExitAsync(Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        if (Volatile.Read(ref _disposed) == 0)
        {
            Log.Write(LogLevel.Error, "Host.Worker", $"Language Worker Process exited. Pid={_worker.Id}. Exit code {_worker.ExitCode}.");
        }
        _channel.Close();
    }

    /// <summary>
    /// <c>FunctionsMetadataRequest</c>: the worker indexes its functions (its worker.config.json
    /// says <c>workerIndexing</c>), or tells the host to read functions.metadata itself.
    /// </summary>
    private async Task<IReadOnlyList<FunctionDescriptor>> ReadFunctionMetadataAsync(string appDirectory, CancellationToken cancellationToken)
    {
        var response = (await _channel.RequestAsync(
            new StreamingMessage { FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory } },
            "FunctionMetadataResponse", LoadTimeout, cancellationToken).ConfigureAwait(false)).FunctionMetadataResponse;
        if (response.Result?.Status == StatusResult.Types.Status.Failure)
        {
            Log.Write(LogLevel.Error, "Host.Worker", "Worker failed to index functions: " + response.Result.Exception?.Message);
        }
        IEnumerable<RpcFunctionMetadata> reported = response.UseDefaultMetadataIndexing
            ? FunctionDescriptor.ReadFunctionsMetadataFile(appDirectory)
            : response.FunctionMetadataResults;
        var functions = new List<FunctionDescriptor>();
        foreach (var metadata in reported)
        {
            try
            {
                var function = FunctionDescriptor.Create(metadata);
                if (metadata.Status is { Status: StatusResult.Types.Status.Failure } status)
                {
                    function.State = FunctionState.LoadFailed;
                    function.Error = status.Exception?.Message ?? "The worker failed to index the function.";
                    Log.Write(LogLevel.Error, "Host.Worker", $"Worker failed to index function {metadata.FunctionId}");
                }
                functions.Add(function);
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or JsonException)
            {
                Log.Write(LogLevel.Error, "Host.Startup", $"The '{metadata.Name}' function is in error: {ex.Message}");
            }
        }
        return functions;
    }

    /// <summary>
    /// The host's indexing: disabled functions, HTTP route validation and conflicts, timer schedules
    /// resolved from the app settings. A function that fails is in error: it is loaded in the worker
    /// but never triggered.
    /// </summary>
    private void Index(IReadOnlyList<FunctionDescriptor> functions, AppSettings settings)
    {
        var httpFunctions = new List<FunctionDescriptor>();
        foreach (var function in functions)
        {
            if (string.Equals(settings[$"AzureWebJobs.{function.Name}.Disabled"], "true", StringComparison.OrdinalIgnoreCase)
                || settings[$"AzureWebJobs.{function.Name}.Disabled"] == "1")
            {
                function.State = FunctionState.Disabled;
                Log.Write(LogLevel.Information, "Host.Startup", $"Function '{function.Name}' is disabled");
            }
            try
            {
                if (function.IsHttpTrigger)
                {
                    var route = function.Trigger.GetString("route");
                    function.Route = string.IsNullOrWhiteSpace(route) ? function.Name : route;
                    var normalised = function.Route.Trim('/').ToLowerInvariant();
                    if (normalised.StartsWith("admin", StringComparison.Ordinal) || normalised.StartsWith("runtime", StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException("The specified route conflicts with one or more built in routes.");
                    }
                    if (httpFunctions.FirstOrDefault(other => RoutesConflict(function, other)) is { } conflicting)
                    {
                        throw new InvalidOperationException($"The route specified conflicts with the route defined by function '{conflicting.Name}'.");
                    }
                    httpFunctions.Add(function);
                }
                else if (function.IsTimerTrigger)
                {
                    try
                    {
                        var schedule = function.Trigger.GetString("schedule") ?? throw new InvalidOperationException("The timer trigger has no schedule.");
                        function.Route = TimerSchedule.Parse(settings.ResolveWholeString(schedule)).Expression;
                    }
                    catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
                    {
                        Log.Write(LogLevel.Error, "Host.Startup", $"Error indexing method 'Functions.{function.Name}'", ex);
                        Log.Write(LogLevel.Warning, "Host.Startup", $"Function 'Functions.{function.Name}' failed indexing and will be disabled.");
                        throw new InvalidOperationException($"Error indexing method 'Functions.{function.Name}' {ex.Message}", ex);
                    }
                }
            }
            catch (InvalidOperationException ex)
            {
                function.State = FunctionState.InError;
                function.Error = ex.Message;
                Log.Write(LogLevel.Error, "Host.Startup", $"The '{function.Name}' function is in error: {ex.Message}");
            }
        }
    }

    /// <summary>The host's test: same template (ignoring case and outer slashes) and a method in common (no methods means all).</summary>
    private static bool RoutesConflict(FunctionDescriptor function, FunctionDescriptor other) =>
        string.Equals(function.Route!.Trim('/'), other.Route!.Trim('/'), StringComparison.OrdinalIgnoreCase)
        && (function.Methods is null || other.Methods is null || function.Methods.Intersect(other.Methods).Any());

    /// <summary>One <c>FunctionLoadRequest</c> per function (disabled ones last), or one collection if the worker takes it.</summary>
    private async Task LoadAsync(IReadOnlyList<FunctionDescriptor> functions, CancellationToken cancellationToken)
    {
        var ordered = functions.OrderBy(f => f.State == FunctionState.Disabled).ToList();
        var answers = ordered.ToDictionary(f => f, f => _channel.Expect("FunctionLoadResponse:" + f.FunctionId));
        if (WorkerCapabilities.SupportsLoadResponseCollection)
        {
            var collection = new FunctionLoadRequestCollection();
            collection.FunctionLoadRequests.AddRange(ordered.Select(f => f.ToLoadRequest()));
            _channel.Send(new StreamingMessage { FunctionLoadRequestCollection = collection });
        }
        else
        {
            foreach (var function in ordered)
            {
                _channel.Send(new StreamingMessage { FunctionLoadRequest = function.ToLoadRequest() });
            }
        }
        foreach (var (function, answer) in answers)
        {
            var response = (await _channel.AwaitAsync(answer, "FunctionLoadResponse:" + function.FunctionId, LoadTimeout, cancellationToken).ConfigureAwait(false)).FunctionLoadResponse;
            if (response.Result?.Status != StatusResult.Types.Status.Success)
            {
                function.State = FunctionState.LoadFailed;
                function.Error = response.Result?.Exception?.Message ?? "Function load exception is not set by the worker.";
                Log.Write(LogLevel.Error, "Host.Worker", $"Worker failed to load function: '{function.Name}' with functionId: '{function.FunctionId}'. {function.Error}");
            }
        }
    }

    private static string RoutePrefix(string appDirectory, AppSettings settings)
    {
        if (settings["AzureFunctionsJobHost__extensions__http__routePrefix"] is { } overridden)
        {
            return overridden.Trim('/');
        }
        var hostJson = Path.Combine(appDirectory, "host.json");
        if (!File.Exists(hostJson))
        {
            return "api";
        }
        using var document = JsonDocument.Parse(File.ReadAllText(hostJson), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return document.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
            ? (prefix.GetString() ?? "api").Trim('/')
            : "api";
    }

    /// <summary>Invokes a timer-triggered function now, as the admin API would (the schedule goes on).</summary>
    /// <exception cref="FunctionInvocationException">The invocation failed.</exception>
    /// <exception cref="InvalidOperationException">No such timer function, or it is not running (in error, disabled).</exception>
    public async Task InvokeTimerAsync(string functionName, CancellationToken cancellationToken = default)
    {
        var timer = _timers.FirstOrDefault(t => t.Function.Name.Equals(functionName, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"No running timer function '{functionName}'. Functions: "
                + string.Join(", ", Functions.Select(f => $"{f.Name} ({f.State}{(f.Error is null ? "" : ": " + f.Error)})")));
        var response = await timer.InvokeNowAsync(cancellationToken).ConfigureAwait(false);
        InvocationDispatcher.ThrowIfFailed(timer.Function, response);
    }

    /// <summary><c>WorkerStatusRequest</c>, as the host's health monitor sends it; the round trip time.</summary>
    public async Task<TimeSpan> GetWorkerStatusAsync(CancellationToken cancellationToken = default)
    {
        var requestId = Guid.NewGuid().ToString();
        var clock = Stopwatch.StartNew();
        await _channel.RequestAsync(new StreamingMessage { RequestId = requestId, WorkerStatusRequest = new WorkerStatusRequest() },
            "WorkerStatusResponse:" + requestId, InitTimeout, cancellationToken).ConfigureAwait(false);
        return clock.Elapsed;
    }

    /// <summary>
    /// Stops the timers, sends <c>WorkerTerminate</c> (if the worker handles it) and gives the worker
    /// the host's 5 s to exit, then kills it by process id and stops both servers.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        foreach (var timer in _timers)
        {
            await timer.StopAsync().ConfigureAwait(false);
        }
        if (_channel.IsConnected && WorkerCapabilities.HandlesWorkerTerminateMessage)
        {
            try
            {
                _channel.Send(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(TerminateGracePeriod) } });
                await _worker.WaitForExitAsync(TerminateGracePeriod).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // the stream closed meanwhile
            }
        }
        await _worker.DisposeAsync().ConfigureAwait(false);
        _channel.Close();
        foreach (var timer in _timers)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }
        Client?.Dispose();
        if (_frontEnd is not null)
        {
            await _frontEnd.DisposeAsync().ConfigureAwait(false);
        }
        await _grpc.DisposeAsync().ConfigureAwait(false);
    }

    public override string ToString() => $"Functions test host at {_frontEnd?.BaseAddress} (worker pid {_worker.Id})";
}
