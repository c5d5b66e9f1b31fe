using ServerlessPush.Testing;

namespace ServerlessPush.Clients.Tests.Infrastructure;

/// <summary>
/// clients/go/push.go built once per test run with Debian's golang-go and
/// golang-github-prometheus-client-golang-dev: GOPATH mode over /usr/share/gocode, no module proxy.
/// </summary>
public static class GoClient
{
    public const string GoPathEnvironmentVariable = "SERVERLESSPUSH_GOPATH";

    private static readonly Lazy<Task<string>> Binary = new(BuildAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Starts the build (if not yet started) and returns the path of the program when built.</summary>
    public static Task<string> GetAsync() => Binary.Value;

    /// <summary>Starts the build in the background so it overlaps other tests.</summary>
    public static void Prebuild() => _ = Binary.Value.ContinueWith(t => t.Exception, TaskScheduler.Default);

    public static IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["GOPATH"] = System.Environment.GetEnvironmentVariable(GoPathEnvironmentVariable) ?? "/usr/share/gocode",
        ["GO111MODULE"] = "off",
        ["GOFLAGS"] = "",
        ["GOPROXY"] = "off",
        // Outside the repo and kept between runs: a cold build of client_golang takes ~30 s on 2 cores.
        ["GOCACHE"] = Path.Combine(Path.GetTempPath(), "serverlesspush-gocache"),
    };

    private static async Task<string> BuildAsync()
    {
        var go = RepoPaths.Executable("GO_BIN", "Install it with 'apt-get install golang-go golang-github-prometheus-client-golang-dev' (.ci/run does).", "go");
        var source = Path.Combine(ClientFiles.Directory, "go", "push.go");
        var output = Path.Combine(Directory.CreateTempSubdirectory("serverlesspush-goclient-").FullName, "push");
        var run = await ClientProcess.RunAsync(go, ["build", "-o", output, source], Environment,
            workingDirectory: Path.GetDirectoryName(source), timeout: TimeSpan.FromMinutes(4));
        if (run.ExitCode != 0 || !File.Exists(output))
        {
            throw new InvalidOperationException("go build of the Go client failed:\n" + run);
        }
        return output;
    }
}
