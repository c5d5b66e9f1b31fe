using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ServerlessPush.Testing;

namespace ServerlessPush.Clients.Tests.Infrastructure;

/// <summary>What a client sent, as the gateway saw it.</summary>
public sealed record RecordedRequest(string Method, string Path, string? ContentType, string? ContentEncoding,
    long? ContentLength, string? TransferEncoding, string? Authorization, string? FunctionsKey)
{
    public bool IsPush => Path.StartsWith("/metrics/job", StringComparison.Ordinal);

    /// <summary>
    /// The request carries <paramref name="key"/> in one of the forms access control (issue 5) accepts:
    /// <c>Authorization: Basic</c> with the key as the password, <c>Authorization: Bearer &lt;key&gt;</c>, or <c>x-functions-key</c>.
    /// </summary>
    public bool CarriesKey(string key)
    {
        if (FunctionsKey == key)
        {
            return true;
        }
        if (Authorization is null)
        {
            return false;
        }
        if (Authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Authorization["Bearer ".Length..].Trim() == key;
        }
        if (Authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(Authorization["Basic ".Length..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon >= 0 && decoded[(colon + 1)..] == key;
        }
        return false;
    }

    public override string ToString() =>
        $"{Method} {Path} Content-Type={ContentType ?? "(none)"} Content-Encoding={ContentEncoding ?? "(none)"} "
        + $"Content-Length={ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"} Transfer-Encoding={TransferEncoding ?? "(none)"} "
        + $"Authorization={(Authorization is null ? "(none)" : Authorization.Split(' ')[0] + " …")} x-functions-key={(FunctionsKey is null ? "(none)" : "…")}";
}

/// <summary>
/// Records every request's headers before the gateway handles it: an <see cref="IStartupFilter"/> in the
/// local host, or the Functions test host's request hook (what the client sent, before the host adds anything).
/// </summary>
public sealed class RequestRecorder : IStartupFilter
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public IReadOnlyList<RecordedRequest> Pushes => [.. _requests.Where(r => r.IsPush)];

    public void Clear() => _requests.Clear();

    /// <summary>For <see cref="GatewayServer.StartAsync"/>'s configure callback.</summary>
    public void Register(WebApplicationBuilder builder) => builder.Services.AddSingleton<IStartupFilter>(this);

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            Record(context);
            await nextMiddleware(context);
        });
        next(app);
    };

    public void Record(HttpContext context)
    {
        var h = context.Request.Headers;
        static string? Value(Microsoft.Extensions.Primitives.StringValues v) => v.Count == 0 ? null : v.ToString();
        _requests.Enqueue(new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "",
            Value(h.ContentType), Value(h.ContentEncoding), context.Request.ContentLength, Value(h.TransferEncoding),
            Value(h.Authorization), Value(h["x-functions-key"])));
    }
}
