using Microsoft.Extensions.Logging;

namespace ServerlessPush.FunctionsHost.Http;

/// <summary>
/// As the host's proxy handler: a request to the worker that fails to connect is retried, up to
/// 10 attempts, waiting 50 ms and doubling up to 250 ms between them (the worker's Kestrel may not
/// be listening yet when the first request arrives).
/// </summary>
internal sealed class RetryingProxyHandler(HttpMessageHandler inner, HostLog log) : DelegatingHandler(inner)
{
    public const int MaxAttempts = 10;
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LongestDelay = TimeSpan.FromMilliseconds(250);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (attempt < MaxAttempts)
            {
                log.Write(LogLevel.Warning, "Host.HttpProxy",
                    $"Failed to proxy request to the worker. Retrying in {delay.TotalMilliseconds}ms. Attempt {attempt} of {MaxAttempts}.");
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestDelay.Ticks));
            }
        }
    }
}
