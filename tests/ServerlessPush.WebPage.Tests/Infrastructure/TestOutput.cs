using ServerlessPush.Testing;

namespace ServerlessPush.WebPage.Tests.Infrastructure;

/// <summary>Files a reviewer may want to look at (screenshots, timings): &lt;repo&gt;/test-output/ (gitignored).</summary>
public static class TestOutput
{
    public static string PathFor(string fileName)
    {
        var dir = Environment.GetEnvironmentVariable("TEST_RESULTS_DIR");
        dir = string.IsNullOrWhiteSpace(dir) ? Path.Combine(RepoPaths.Root, "test-output") : dir;
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, fileName);
    }
}
