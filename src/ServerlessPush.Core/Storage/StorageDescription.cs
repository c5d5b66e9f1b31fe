namespace ServerlessPush.Core.Storage;

/// <summary>
/// Where the store keeps the groups, as the status page shows it: never a secret (no connection
/// string, no key), only what an operator checks a deployment against.
/// </summary>
/// <param name="Container">The table (or the equivalent of the store's kind).</param>
/// <param name="Endpoint">The service's address and how the gateway signs in, or how it is configured.</param>
public sealed record StorageDescription(string Container, string Endpoint);
