using System.Globalization;

namespace ServerlessPush.Testing;

/// <summary>Peak resident memory of a process, from /proc.</summary>
public static class ProcessMemory
{
    /// <summary>Resets the peak (VmHWM) to the current RSS: writes 5 to /proc/&lt;pid&gt;/clear_refs.</summary>
    public static bool ResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>(VmRSS, VmHWM) in bytes.</summary>
    public static (long Rss, long Peak) Read(int pid)
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = ParseKb(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = ParseKb(line);
            }
        }
        return (rss, peak);
    }

    private static long ParseKb(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
