using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ServerlessPush.Testing;
using Xunit.Abstractions;

namespace ServerlessPush.Clients.Tests;

/// <summary>
/// ./run-local.sh as README.md gives it, with its documented PORT and AZURITE_PORT: it says it is
/// building before the build's silence, answers /-/healthy and /-/ready, and SIGTERM (as Ctrl-C)
/// stops the gateway and Azurite.
/// </summary>
public sealed class RunLocalScriptTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Run_local_says_what_it_does_answers_the_probes_and_stops_everything()
    {
        int port = FreePort.Get(), azuritePort = FreePort.Get();
        var clock = Stopwatch.StartNew();
        await using var script = ManagedProcess.Start(new ManagedProcessOptions
        {
            FileName = "bash",
            Arguments = [Path.Combine(RepoPaths.Root, "run-local.sh")],
            Environment = new Dictionary<string, string?> { ["PORT"] = $"{port}", ["AZURITE_PORT"] = $"{azuritePort}" },
            WorkingDirectory = RepoPaths.Root,
            Name = "run-local.sh",
        });
        var gateway = new Uri($"http://127.0.0.1:{port}/");
        // A build on a loaded 2-core machine; the script itself says "about a minute" for a fresh clone.
        await script.WaitForHttpAsync(new Uri(gateway, "-/healthy"), TimeSpan.FromMinutes(5));
        output.WriteLine($"healthy after {clock.Elapsed.TotalSeconds:0.0} s");
        using (var http = new HttpClient { BaseAddress = gateway })
        {
            using var ready = await http.GetAsync("-/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        var log = script.Output;
        output.WriteLine(log);
        var steps = new[]
        {
            $"run-local.sh: starting Azurite table service on 127.0.0.1:{azuritePort}",
            "run-local.sh: building src/ServerlessPush.LocalHost (first run: about a minute",
            $"run-local.sh: starting gateway on http://127.0.0.1:{port}",
            "Now listening on: http://127.0.0.1:" + port,
        };
        var at = steps.Select(s => log.IndexOf(s, StringComparison.Ordinal)).ToArray();
        Assert.True(at.All(i => i >= 0) && at.SequenceEqual(at.Order()), "run-local.sh did not print its steps in order:\n" + log);

        using (var kill = Process.Start("kill", ["-TERM", $"{script.Id}"]))
        {
            await kill.WaitForExitAsync();
        }
        Assert.True(await script.WaitForExitAsync(TimeSpan.FromSeconds(30)), "run-local.sh did not exit on SIGTERM:\n" + script.Output);
        Assert.Contains("run-local.sh: stopping Azurite", script.Output);
        foreach (var stopped in new[] { port, azuritePort })
        {
            using var probe = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, stopped));
        }
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // run-local.sh is a bash script
    public async Task Run_local_refuses_a_Node_older_than_20_with_the_reason()
    {
        // A stand-in `node` first on PATH that reports version 18 (only what the script asks of it).
        var bin = Directory.CreateTempSubdirectory("serverlesspush-old-node-").FullName;
        try
        {
            var node = Path.Combine(bin, "node");
            await File.WriteAllTextAsync(node, "#!/bin/sh\ncase \"$1\" in -p) echo 18 ;; *) echo v18.20.0 ;; esac\n");
            File.SetUnixFileMode(node, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await using var script = ManagedProcess.Start(new ManagedProcessOptions
            {
                FileName = "bash",
                Arguments = [Path.Combine(RepoPaths.Root, "run-local.sh")],
                Environment = new Dictionary<string, string?>
                {
                    ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
                    ["PORT"] = $"{FreePort.Get()}",
                },
                WorkingDirectory = RepoPaths.Root,
                Name = "run-local.sh",
            });
            Assert.True(await script.WaitForExitAsync(TimeSpan.FromSeconds(30)), "run-local.sh went on with Node 18:\n" + script.Output);
            Assert.Equal(1, script.ExitCode);
            Assert.Contains("run-local.sh: Node v18.20.0 is too old; Azurite and the npm tools need Node 20 or later.", script.Output);
            Assert.DoesNotContain("starting Azurite", script.Output);
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }
}
