using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServerlessPush.Http;

/// <summary>
/// Says at start-up, in one line, what is open (both hosts register it through
/// <see cref="GatewayServiceCollectionExtensions.AddServerlessPushGateway"/>). Counts keys, never shows one.
/// </summary>
public sealed class AccessStartupLog(AccessControl access, ILogger<AccessStartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var level = access.NeedsAttention ? LogLevel.Warning : LogLevel.Information;
        logger.Log(level, "Gateway access: {Access}", access.Describe());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
