namespace ServerlessPush.Testing;

/// <summary>
/// Locates the repository and the tools the tests run.
/// </summary>
/// <remarks>
/// npm tools (azurite-table, …) are looked up in this order:
/// <list type="number">
/// <item>the folder named by the environment variable <c>SERVERLESSPUSH_NODE_BIN</c> (test.sh exports it);</item>
/// <item><c>node_modules/.bin</c> under the repository root (the folder holding <c>ServerlessPush.sln</c>).</item>
/// </list>
/// Run <c>npm ci</c> at the repository root to install them.
/// </remarks>
public static class RepoPaths
{
    public const string SolutionFileName = "ServerlessPush.sln";
    public const string NodeBinEnvironmentVariable = "SERVERLESSPUSH_NODE_BIN";

    private static readonly Lazy<string> LazyRoot = new(() => FindRoot(AppContext.BaseDirectory)
        ?? FindRoot(Directory.GetCurrentDirectory())
        ?? throw new InvalidOperationException(
            $"Could not find the repository root: no {SolutionFileName} above '{AppContext.BaseDirectory}' or '{Directory.GetCurrentDirectory()}'."));

    /// <summary>The repository root: the nearest folder upwards that holds ServerlessPush.sln.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>The folder of npm executables: $SERVERLESSPUSH_NODE_BIN if set, else &lt;root&gt;/node_modules/.bin.</summary>
    public static string NodeModulesBin
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable(NodeBinEnvironmentVariable);
            return !string.IsNullOrWhiteSpace(fromEnv) ? Path.GetFullPath(fromEnv) : Path.Combine(Root, "node_modules", ".bin");
        }
    }

    /// <summary>Walks up from <paramref name="start"/> to the folder holding ServerlessPush.sln; null if none.</summary>
    public static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    /// <summary>Full path of an npm-installed executable, e.g. "azurite-table".</summary>
    /// <exception cref="ToolNotFoundException">It is not installed.</exception>
    public static string NodeTool(string name)
    {
        var path = Path.Combine(NodeModulesBin, name);
        if (!File.Exists(path))
        {
            throw new ToolNotFoundException(name,
                $"'{name}' not found at '{path}'. Run 'npm ci' at the repository root ({Root}), or set {NodeBinEnvironmentVariable}.");
        }
        return path;
    }

    /// <summary>
    /// Full path of an executable: the environment variable <paramref name="overrideVariable"/> if set,
    /// else the first of <paramref name="names"/> found on PATH (then /usr/bin, /usr/local/bin).
    /// </summary>
    /// <exception cref="ToolNotFoundException">None found.</exception>
    public static string Executable(string? overrideVariable, string installHint, params string[] names)
    {
        if (overrideVariable is not null)
        {
            var fromEnv = Environment.GetEnvironmentVariable(overrideVariable);
            if (!string.IsNullOrWhiteSpace(fromEnv))
            {
                return File.Exists(fromEnv)
                    ? Path.GetFullPath(fromEnv)
                    : throw new ToolNotFoundException(names[0], $"{overrideVariable}='{fromEnv}' does not exist.");
            }
        }

        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/local/bin"]);
        foreach (var name in names)
        {
            foreach (var dir in dirs)
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new ToolNotFoundException(names[0],
            $"None of [{string.Join(", ", names)}] found on PATH"
            + (overrideVariable is null ? "" : $" and {overrideVariable} is not set")
            + $". {installHint}");
    }
}

/// <summary>A program a fixture needs is not installed. Tests must fail, not skip, on this.</summary>
public sealed class ToolNotFoundException(string tool, string message) : Exception(message)
{
    public string Tool { get; } = tool;
}
