using System.Diagnostics;
using System.Text;

namespace ServerlessPush.Clients.Tests.Infrastructure;

/// <summary>The outcome of one run of a client program.</summary>
public sealed record ClientRun(string CommandLine, int ExitCode, string StdOut, string StdErr, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"{CommandLine} exited {ExitCode} after {Elapsed.TotalSeconds:0.00}s\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>Runs a client program to completion: output captured, killed by PID (whole tree) on timeout.</summary>
public static class ClientProcess
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static async Task<ClientRun> RunAsync(string fileName, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var arg in arguments)
        {
            psi.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }
        var commandLine = fileName + " " + string.Join(' ', psi.ArgumentList);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start " + commandLine);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{commandLine} (pid {process.Id}) did not finish in {(timeout ?? DefaultTimeout).TotalSeconds}s and was killed.\n"
                + $"--- stdout ---\n{await stdout}\n--- stderr ---\n{await stderr}");
        }
        return new ClientRun(commandLine, process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }
}
