using Microsoft.AspNetCore.Http;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Http;

/// <summary><c>/-/healthy</c> (the process answers) and <c>/-/ready</c> (storage answers too).</summary>
public sealed class HealthEndpoints(IGroupStore store)
{
    public Task HealthyAsync(HttpContext context) => WriteOkAsync(context.Response);

    public async Task ReadyAsync(HttpContext context)
    {
        // A storage fault escapes to RequestDeadlineGuard, which answers 503.
        await store.CheckAvailableAsync(context.RequestAborted).ConfigureAwait(false);
        await WriteOkAsync(context.Response).ConfigureAwait(false);
    }

    private static Task WriteOkAsync(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync("OK");
    }
}
