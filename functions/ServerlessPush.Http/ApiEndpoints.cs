using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessPush.Core.Api;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Http;

/// <summary>
/// <c>/api/v1/…</c>: <c>GET metrics</c>, <c>GET status</c>, <c>PUT admin/wipe</c>, <c>DELETE groups?job=</c>, and <c>OPTIONS</c> on
/// anything, with the reference's CORS and cache headers on every answer.
/// </summary>
public sealed class ApiEndpoints(ScrapeService scrape, PushService pushes, IOptions<GatewayOptions> options, AccessControl access, TimeProvider time, ILogger<ApiEndpoints> logger)
{
    private readonly DateTimeOffset _startTime = time.GetUtcNow();

    /// <param name="route">The path after <c>/api/v1/</c>.</param>
    public async Task HandleAsync(HttpContext context, string route)
    {
        var response = context.Response;
        var method = context.Request.Method;
        SetApiHeaders(context.Request, response);
        // CORS preflights carry no credentials: OPTIONS stays open. Wipe and delete by job need admin, the rest read.
        if (!HttpMethods.IsOptions(method))
        {
            var right = route is "admin/wipe" or "groups" ? AccessRight.Admin : AccessRight.Read;
            if (!await CrossSiteRequests.AllowAsync(context).ConfigureAwait(false)
                || !await access.AuthorizeAsync(context, right).ConfigureAwait(false))
            {
                return;
            }
        }
        try
        {
            switch (route)
            {
                case var _ when HttpMethods.IsOptions(method):
                    await Responses.EmptyAsync(response, StatusCodes.Status200OK).ConfigureAwait(false);
                    return;
                case "metrics" when HttpMethods.IsGet(method):
                    await MetricsAsync(context).ConfigureAwait(false);
                    return;
                case "status" when HttpMethods.IsGet(method):
                    await StatusAsync(context).ConfigureAwait(false);
                    return;
                case "admin/wipe" when HttpMethods.IsPut(method):
                    await WipeAsync(context).ConfigureAwait(false);
                    return;
                case "groups" when HttpMethods.IsDelete(method):
                    await DeleteJobAsync(context).ConfigureAwait(false);
                    return;
                case "groups":
                    await Responses.MethodNotAllowedAsync(response, "DELETE, OPTIONS").ConfigureAwait(false);
                    return;
                case "metrics" or "status":
                    await Responses.MethodNotAllowedAsync(response, "GET, OPTIONS").ConfigureAwait(false);
                    return;
                case "admin/wipe":
                    await Responses.MethodNotAllowedAsync(response, "OPTIONS, PUT").ConfigureAwait(false);
                    return;
                default:
                    await Responses.NotFoundAsync(response).ConfigureAwait(false);
                    return;
            }
        }
        catch (StorageUnavailableException e)
        {
            logger.LogWarning(e, "Storage unavailable during {Method} /api/v1/{Route}", method, route);
            await Responses.UnavailableAsync(response, e.Message).ConfigureAwait(false);
        }
    }

    public async Task MetricsAsync(HttpContext context)
    {
        var groups = await scrape.ListGroupsAsync(context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await MetricsApiWriter.WriteAsync(context.Response.Body, groups, RequestDeadline.ClientAbortedOf(context)).ConfigureAwait(false);
    }

    public async Task StatusAsync(HttpContext context)
    {
        var version = typeof(ApiEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var gateway = options.Value;
        var buildInformation = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["branch"] = string.Empty,
            ["buildDate"] = string.Empty,
            ["buildUser"] = string.Empty,
            ["goVersion"] = Environment.Version.ToString(),
            ["revision"] = string.Empty,
            ["version"] = version,
        };
        var flags = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["push.max-body-bytes"] = gateway.MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["push.max-decompressed-bytes"] = gateway.MaxDecompressedBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["web.enable-admin-api"] = "true",
        };
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = StatusApiWriter.ContentType;
        await StatusApiWriter.WriteAsync(context.Response.Body, buildInformation, flags, _startTime, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Unlike the reference, the groups are gone when the 202 is sent.</summary>
    public async Task WipeAsync(HttpContext context)
    {
        RequestDeadline.Of(context)?.Restart(options.Value.EffectiveBulkDeadline);
        var deleted = await pushes.WipeAsync(context.RequestAborted).ConfigureAwait(false);
        logger.LogInformation("Wiped {Count} groups", deleted);
        await Responses.EmptyAsync(context.Response, StatusCodes.Status202Accepted).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>DELETE /api/v1/groups?job=&lt;job&gt;</c>: every group of the job, whatever its other labels
    /// (asked of the Pushgateway for years; it deletes one exact grouping key only).
    /// </summary>
    public async Task DeleteJobAsync(HttpContext context)
    {
        var job = context.Request.Query["job"].ToString();
        if (string.IsNullOrEmpty(job))
        {
            await Responses.ErrorAsync(context.Response, StatusCodes.Status400BadRequest, "query parameter job is required", context.RequestAborted).ConfigureAwait(false);
            return;
        }
        RequestDeadline.Of(context)?.Restart(options.Value.EffectiveBulkDeadline);
        var deleted = await pushes.DeleteJobAsync(job, context.RequestAborted).ConfigureAwait(false);
        logger.LogInformation("Deleted {Count} groups of job {Job}", deleted, job);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new { status = "success", data = new { deleted } }, cancellationToken: context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// The reference's CORS headers, for reads only: a GET answer, and a preflight asking for GET, get
    /// <c>Access-Control-Allow-Origin: *</c> (dashboards read the JSON API from other origins; <c>*</c>
    /// never lets a page use the visitor's credentials). Wipe, delete by job, and preflights for any
    /// other method get no grant at all, so a page on another site cannot send them.
    /// </summary>
    private static void SetApiHeaders(HttpRequest request, HttpResponse response)
    {
        var headers = response.Headers;
        headers.CacheControl = "no-cache, no-store, must-revalidate";
        var method = request.Method;
        var asked = HttpMethods.IsOptions(method) ? request.Headers.AccessControlRequestMethod.ToString() : method;
        if (!HttpMethods.IsGet(asked) && !HttpMethods.IsHead(asked))
        {
            return;
        }
        headers.AccessControlAllowHeaders = "Accept, Authorization, Content-Type, Origin";
        headers.AccessControlAllowMethods = "GET, OPTIONS";
        headers.AccessControlAllowOrigin = "*";
        headers.AccessControlExposeHeaders = "Date";
    }
}
