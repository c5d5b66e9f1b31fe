namespace ServerlessPush.Clients.Tests.Infrastructure;

/// <summary>The client programs: clients/ next to the test assembly (copied from the project's clients/ folder).</summary>
public static class ClientFiles
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "clients");

    /// <summary>The source copy of a client file, as committed (what README.md must include).</summary>
    public static string Source(string relativePath) =>
        Path.Combine(ServerlessPush.Testing.RepoPaths.Root, "tests", "ServerlessPush.Clients.Tests", "clients", relativePath);
}
