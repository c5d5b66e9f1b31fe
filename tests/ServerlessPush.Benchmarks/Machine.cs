using System.Runtime.InteropServices;
using System.Text;

namespace ServerlessPush.Benchmarks;

/// <summary>What the numbers were measured on.</summary>
public static class Machine
{
    public static string Describe()
    {
        var sb = new StringBuilder();
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var mem = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        sb.Append("- CPU: ").Append(cpu ?? "?").Append(", ").Append(Environment.ProcessorCount).Append(" logical cores\n");
        sb.Append("- Memory: ").Append(mem ?? "?").Append('\n');
        sb.Append("- OS: ").Append(RuntimeInformation.OSDescription).Append(", .NET ").Append(Environment.Version).Append('\n');
        sb.Append("- ").Append(LoadAverage()).Append('\n');
        return sb.ToString();
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? "load average (1, 5, 15 min): " + string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "load average: ?";
}
