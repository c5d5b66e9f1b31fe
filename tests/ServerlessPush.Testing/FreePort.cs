using System.Net;
using System.Net.Sockets;

namespace ServerlessPush.Testing;

/// <summary>Free TCP ports on 127.0.0.1.</summary>
public static class FreePort
{
    private static readonly HashSet<int> Handed = [];
    private static readonly Lock Gate = new();

    /// <summary>
    /// A TCP port on 127.0.0.1 that nothing listens on right now, never the same twice in this process
    /// (so parallel fixtures do not collide with each other; another process may still take it first).
    /// </summary>
    public static int Get()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Gate)
            {
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
        throw new InvalidOperationException("Could not find a free TCP port on 127.0.0.1.");
    }
}
