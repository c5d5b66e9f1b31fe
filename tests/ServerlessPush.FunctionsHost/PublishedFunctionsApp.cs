using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using ServerlessPush.Testing;

namespace ServerlessPush.FunctionsHost;

/// <summary>
/// The Functions app as <c>dotnet publish</c> lays it out, published once per test run into
/// <c>artifacts/functions-app/&lt;configuration&gt;/</c> (git-ignored) from the existing build
/// (<c>--no-build</c>, the configuration this assembly was built in). Parallel test projects share it:
/// a file lock serialises the publish, and a stamp of the build output it was made from lets later
/// callers reuse it while the build has not changed.
/// </summary>
public static class PublishedFunctionsApp
{
    public const string ProjectRelativePath = "functions/ServerlessPush.Functions/ServerlessPush.Functions.csproj";
    public const string AssemblyName = "ServerlessPush.Functions.dll";
    private const string StampFileName = ".published-from";

    private static readonly Lazy<Task<string>> Published = new(() => Task.Run(PublishAsync), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Debug or Release: how this assembly (and the Functions app beside it) was built.</summary>
    public static string Configuration { get; } = typeof(PublishedFunctionsApp).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;

    /// <summary>Where the build puts the app (the input of the publish).</summary>
    public static string BuildOutput => Path.Combine(RepoPaths.Root, "functions", "ServerlessPush.Functions", "bin", Configuration, "net10.0");

    public static string Directory => Path.Combine(RepoPaths.Root, "artifacts", "functions-app", Configuration);

    /// <summary>The published app's folder, publishing it first if this run has not yet.</summary>
    /// <exception cref="InvalidOperationException">The app is not built, or the publish failed (its output in the message).</exception>
    public static Task<string> GetAsync() => Published.Value;

    private static async Task<string> PublishAsync()
    {
        if (!File.Exists(Path.Combine(BuildOutput, AssemblyName)))
        {
            throw new InvalidOperationException($"The Functions app is not built in {Configuration} ({BuildOutput}): build the solution (or a test project that references it) first.");
        }
        var parent = Path.GetDirectoryName(Directory)!;
        System.IO.Directory.CreateDirectory(parent);
        await using var fileLock = await AcquireLockAsync(Path.Combine(parent, Configuration + ".lock"), TimeSpan.FromMinutes(10)).ConfigureAwait(false);

        var stamp = BuildStamp();
        var stampFile = Path.Combine(Directory, StampFileName);
        if (File.Exists(stampFile) && await File.ReadAllTextAsync(stampFile).ConfigureAwait(false) == stamp
            && File.Exists(Path.Combine(Directory, AssemblyName)))
        {
            return Directory;
        }
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        await using (var publish = ManagedProcess.Start(new ManagedProcessOptions
        {
            Name = "dotnet publish (Functions app)",
            FileName = Worker.DotNet.Executable,
            Arguments = ["publish", Path.Combine(RepoPaths.Root, ProjectRelativePath), "--no-build", "-c", Configuration, "-o", Directory, "-nodeReuse:false", "-v:minimal"],
            Environment = new Dictionary<string, string?>
            {
                ["MSBUILDDISABLENODEREUSE"] = "1",
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_NOLOGO"] = "1",
            },
            WorkingDirectory = RepoPaths.Root,
        }))
        {
            if (!await publish.WaitForExitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false) || publish.ExitCode != 0)
            {
                throw new InvalidOperationException($"dotnet publish of the Functions app failed (exit {publish.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none: timed out"}):\n{publish.Output}");
            }
        }
        await File.WriteAllTextAsync(stampFile, stamp).ConfigureAwait(false);
        return Directory;
    }

    /// <summary>A fingerprint of the build output: every file's path, size and write time.</summary>
    private static string BuildStamp()
    {
        var text = new StringBuilder();
        foreach (var file in System.IO.Directory.EnumerateFiles(BuildOutput, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            text.Append(Path.GetRelativePath(BuildOutput, file)).Append('|').Append(info.Length).Append('|').Append(info.LastWriteTimeUtc.Ticks).Append('\n');
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>An exclusive lock on <paramref name="path"/> across processes, polled until free.</summary>
    private static async Task<FileStream> AcquireLockAsync(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200).ConfigureAwait(false);
            }
        }
    }
}
