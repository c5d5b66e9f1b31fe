using System.Runtime.InteropServices;

namespace ServerlessPush.Testing;

/// <summary>POSIX signals to one process, by its id (never by name): freeze a server to simulate a hung peer.</summary>
public static partial class ProcessSignals
{
    private const int SigCont = 18;
    private const int SigStop = 19;

    /// <summary>SIGSTOP: the process stops running; the kernel still accepts its connections, nothing answers.</summary>
    public static void Stop(int pid) => Send(pid, SigStop);

    /// <summary>SIGCONT: the process runs again and serves what queued up meanwhile.</summary>
    public static void Continue(int pid) => Send(pid, SigCont);

    private static void Send(int pid, int signal)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Signals are sent with Linux signal numbers.");
        }
        if (pid <= 0)
        {
            // kill(0 or negative) would signal a whole process group.
            throw new ArgumentOutOfRangeException(nameof(pid), pid, "a single process id is required");
        }
        if (kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
