using System.Globalization;
using System.Text.Json;
using ServerlessPush.Testing;

namespace ServerlessPush.FunctionsHost.Worker;

/// <summary>
/// Starts the worker the way the host starts a <c>dotnet-isolated</c> worker: the executable and
/// worker path from the app's <c>worker.config.json</c>, then the host's own arguments
/// (<c>--host --port --workerId --requestId --grpcMaxMessageLength</c> and their
/// <c>--functions-*</c> twins), in the app directory, with the host's environment plus the app
/// settings and <c>FUNCTIONS_WORKER_DIRECTORY</c> / <c>FUNCTIONS_APPLICATION_DIRECTORY</c>.
/// </summary>
internal static class WorkerProcessLauncher
{
    public const string WorkerRuntime = "dotnet-isolated";

    public static ManagedProcess Start(string appDirectory, Uri serverUri, string workerId, AppSettings settings, Action<string>? onOutput)
    {
        var (executable, workerPath, executableArguments) = ReadWorkerConfig(appDirectory);
        var requestId = Guid.NewGuid().ToString();
        var maxLength = GrpcServer.MaxMessageLength.ToString(CultureInfo.InvariantCulture);
        var environment = new Dictionary<string, string?>(settings.Values)
        {
            ["FUNCTIONS_WORKER_DIRECTORY"] = appDirectory,
            ["FUNCTIONS_APPLICATION_DIRECTORY"] = appDirectory,
        };
        environment.TryAdd("FUNCTIONS_WORKER_RUNTIME", WorkerRuntime);
        return ManagedProcess.Start(new ManagedProcessOptions
        {
            Name = $"functions-worker:{workerId[..8]}",
            FileName = executable,
            Arguments =
            [
                .. executableArguments,
                workerPath,
                "--host", serverUri.Host,
                "--port", serverUri.Port.ToString(CultureInfo.InvariantCulture),
                "--workerId", workerId,
                "--requestId", requestId,
                "--grpcMaxMessageLength", maxLength,
                "--functions-uri", serverUri.AbsoluteUri,
                "--functions-worker-id", workerId,
                "--functions-request-id", requestId,
                "--functions-grpc-max-message-length", maxLength,
            ],
            Environment = environment,
            WorkingDirectory = appDirectory,
            OnOutput = onOutput,
        });
    }

    /// <summary>
    /// <c>description.defaultExecutablePath</c> ("dotnet": the host's own dotnet, else PATH),
    /// <c>defaultWorkerPath</c> (relative to the app) and <c>arguments</c>.
    /// </summary>
    private static (string Executable, string WorkerPath, string[] Arguments) ReadWorkerConfig(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "worker.config.json");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"No worker.config.json in '{appDirectory}': not a published .NET isolated Functions app.");
        }
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var description = document.RootElement.GetProperty("description");
        var language = description.GetProperty("language").GetString();
        if (!string.Equals(language, WorkerRuntime, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"worker.config.json is for '{language}'; this test host runs only {WorkerRuntime} workers.");
        }
        var executable = description.GetProperty("defaultExecutablePath").GetString() ?? "dotnet";
        if (executable is "dotnet" or "dotnet.exe")
        {
            executable = DotNet.Executable;
        }
        var workerPath = description.GetProperty("defaultWorkerPath").GetString()
            ?? throw new InvalidOperationException("worker.config.json names no defaultWorkerPath.");
        if (!Path.IsPathRooted(workerPath))
        {
            workerPath = Path.Combine(appDirectory, workerPath);
        }
        string[] arguments = description.TryGetProperty("arguments", out var args) && args.ValueKind == JsonValueKind.Array
            ? [.. args.EnumerateArray().Select(a => a.GetString() ?? "")]
            : [];
        return (executable, workerPath, arguments);
    }
}

/// <summary>The dotnet executable running this process's SDK (set by the dotnet CLI for its children), else the one on PATH.</summary>
internal static class DotNet
{
    public static string Executable =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : RepoPaths.Executable(null, "Install the .NET SDK.", "dotnet");
}
