using System.Net;
using System.Net.Sockets;

namespace ServerlessPush.Testing.Tests;

public sealed class ManagedProcessTests
{
    [Fact]
    public async Task Waiting_fails_fast_with_the_output_when_the_process_exits()
    {
        await using var p = ManagedProcess.Start("/bin/sh", ["-c", "echo starting up; echo broken >&2; exit 3"]);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => p.WaitForTcpPortAsync(FreePort.Get(), TimeSpan.FromSeconds(30)));
        Assert.Contains("exited with code 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("starting up", ex.Message, StringComparison.Ordinal);
        Assert.Contains("err: broken", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waiting_times_out_with_a_clear_message()
    {
        await using var p = ManagedProcess.Start("/bin/sh", ["-c", "sleep 30"]);
        var ex = await Assert.ThrowsAsync<TimeoutException>(
            () => p.WaitForTcpPortAsync(FreePort.Get(), TimeSpan.FromMilliseconds(500)));
        Assert.Contains("waiting for 127.0.0.1:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Passes_environment_and_dispose_kills_the_whole_tree()
    {
        var env = new Dictionary<string, string?> { ["FIXTURE_GREETING"] = "hi there" };
        var p = ManagedProcess.Start("/bin/sh", ["-c", "echo \"$FIXTURE_GREETING\"; sleep 300 & echo child=$!; wait"], env);
        string? childLine = null;
        for (var i = 0; i < 100 && childLine is null; i++)
        {
            childLine = p.Output.Split('\n').FirstOrDefault(l => l.StartsWith("child=", StringComparison.Ordinal));
            await Task.Delay(50);
        }
        Assert.NotNull(childLine);
        Assert.Contains("hi there", p.Output, StringComparison.Ordinal);
        var childPid = int.Parse(childLine["child=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Directory.Exists($"/proc/{childPid}"));

        await p.DisposeAsync();

        for (var i = 0; i < 50 && IsAlive(childPid); i++)
        {
            await Task.Delay(100);
        }
        Assert.False(IsAlive(childPid), "grandchild sleep was killed with the tree");
    }

    private static bool IsAlive(int pid)
    {
        // A killed child not yet reaped by its (also killed) parent is a zombie: count that as dead.
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }
        try
        {
            var text = File.ReadAllText(stat);
            var state = text[(text.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Waits_for_a_tcp_port()
    {
        var port = FreePort.Get();
        await using var p = ManagedProcess.Start("/bin/sh", ["-c", "sleep 300"]);
        var listener = new TcpListener(IPAddress.Loopback, port);
        var wait = p.WaitForTcpPortAsync(port, TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        listener.Start();
        try
        {
            await wait;
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Waiting_for_exit_reports_whether_the_process_ended_by_itself()
    {
        await using var quick = ManagedProcess.Start("/bin/sh", ["-c", "echo done; exit 0"]);
        Assert.True(await quick.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, quick.ExitCode);

        await using var slow = ManagedProcess.Start("/bin/sh", ["-c", "sleep 30"]);
        Assert.False(await slow.WaitForExitAsync(TimeSpan.FromMilliseconds(300)));
        Assert.False(slow.HasExited);
    }
}

public sealed class PathsAndPortsTests
{
    [Fact]
    public void Finds_repo_root_and_node_bin()
    {
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "ServerlessPush.sln")));
        Assert.True(File.Exists(RepoPaths.NodeTool("azurite-table")), "run npm ci at the repo root");
    }

    [Fact]
    public void Missing_tool_is_a_clear_error_not_a_skip()
    {
        var ex = Assert.Throws<ToolNotFoundException>(
            () => RepoPaths.Executable(null, "Install it.", "serverlesspush-no-such-tool"));
        Assert.Equal("serverlesspush-no-such-tool", ex.Tool);
        Assert.Contains("Install it.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Free_ports_are_distinct_loopback_ports()
    {
        var ports = Enumerable.Range(0, 20).Select(_ => FreePort.Get()).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());
        foreach (var port in ports.Take(3))
        {
            var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            l.Stop();
        }
    }
}
