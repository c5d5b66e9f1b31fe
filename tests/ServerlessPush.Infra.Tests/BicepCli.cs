using System.Diagnostics;
using System.Reflection;

namespace ServerlessPush.Infra.Tests;

/// <summary>The Bicep CLI from the NuGet package <c>Azure.Bicep.CommandLine.linux-x64</c>.</summary>
internal static class BicepCli
{
    /// <summary>Environment variables that <c>main.bicepparam</c> reads; cleared so a developer's shell or azd
    /// environment cannot change what the tests see.</summary>
    private static readonly string[] ParamEnvironmentPrefixes = ["AZURE_ENV_NAME", "AZURE_PRINCIPAL_ID", "PUSHGW_"];

    public static string ExecutablePath { get; } = FindExecutable();

    public static string InfraDirectory { get; } = Metadata("InfraDir");

    public static string RepoRoot { get; } = Metadata("RepoRoot");

    private static string Metadata(string key) =>
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing (set in the test csproj).");

    private static string FindExecutable()
    {
        var path = Metadata("BicepExe");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"Bicep CLI not found at '{path}'. Restore the test project (package Azure.Bicep.CommandLine.linux-x64); " +
                "the package only runs on linux-x64.");
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }

        return path;
    }

    public static async Task<BicepResult> RunAsync(
        string workingDirectory,
        IReadOnlyDictionary<string, string>? environment,
        params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(ExecutablePath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var name in startInfo.Environment.Keys.ToList())
        {
            if (ParamEnvironmentPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
            {
                startInfo.Environment.Remove(name);
            }
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("bicep did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish in 90 s");
        }

        return new BicepResult(string.Join(' ', arguments), process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Copies <c>infra/</c> to a new temporary folder, so the CLI's outputs never land in the repo.</summary>
    public static string CopyInfra(string root)
    {
        var target = Path.Combine(root, "infra-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var file in Directory.EnumerateFiles(InfraDirectory, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(InfraDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }
}

public sealed record BicepResult(string Command, int ExitCode, string Output)
{
    /// <summary>Exit code 0 and no diagnostic of any level (compiler warnings such as BCP081 keep exit code 0).</summary>
    public bool IsClean =>
        ExitCode == 0
        && !Output.Contains("Warning", StringComparison.OrdinalIgnoreCase)
        && !Output.Contains("Error", StringComparison.OrdinalIgnoreCase);

    public override string ToString() => $"bicep {Command} exited {ExitCode}:\n{Output}";
}
