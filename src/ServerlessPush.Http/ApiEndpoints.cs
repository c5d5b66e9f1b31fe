using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessPush.Core;
using ServerlessPush.Core.Api;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Selectors;

namespace ServerlessPush.Http;

/// <summary>
/// <c>/api/v1/…</c>: <c>GET metrics</c>, <c>GET status</c>, <c>PUT admin/wipe</c>, <c>DELETE groups?match[]=…</c> (or <c>?job=</c>),
/// and <c>OPTIONS</c> on anything, with the reference's CORS and cache headers on every answer.
/// </summary>
public sealed class ApiEndpoints(ScrapeService scrape, GroupDeletionService deletions, IOptions<GatewayOptions> options, AccessControl access, TimeProvider time, ILogger<ApiEndpoints> logger)
{
    private readonly DateTimeOffset _startTime = time.GetUtcNow();

    /// <param name="route">The path after <c>/api/v1/</c>.</param>
    public async Task HandleAsync(HttpContext context, string route)
    {
        var response = context.Response;
        var method = context.Request.Method;
        SetApiHeaders(context.Request, response);
        // CORS preflights carry no credentials: OPTIONS stays open. Wipe needs an unscoped admin key;
        // delete by selector admin or a scoped push key (within its jobs); the rest read.
        var scope = JobScope.All;
        if (!HttpMethods.IsOptions(method))
        {
            if (!await CrossSiteRequests.AllowAsync(context).ConfigureAwait(false))
            {
                return;
            }
            var granted = route switch
            {
                "groups" => await AuthorizeDeleteAsync(context).ConfigureAwait(false),
                "admin/wipe" => await access.AuthorizeScopedAsync(context, AccessRight.Admin).ConfigureAwait(false),
                _ => await access.AuthorizeScopedAsync(context, AccessRight.Read).ConfigureAwait(false),
            };
            if (granted is null)
            {
                return;
            }
            if (route == "admin/wipe" && !granted.IsAll)
            {
                await Responses.RejectAsync(context, new Rejection(StatusCodes.Status403Forbidden, $"Forbidden: wiping needs an unscoped admin key; this key is scoped to jobs {granted}", RejectionReason.Access)).ConfigureAwait(false);
                return;
            }
            scope = granted;
        }
        // A storage fault escapes to RequestDeadlineGuard, which answers 503.
        switch (route)
        {
            case var _ when HttpMethods.IsOptions(method):
                await Responses.EmptyAsync(response, StatusCodes.Status200OK).ConfigureAwait(false);
                return;
            case "metrics" when HttpMethods.IsGet(method):
                await MetricsAsync(context, scope).ConfigureAwait(false);
                return;
            case "status" when HttpMethods.IsGet(method):
                await StatusAsync(context).ConfigureAwait(false);
                return;
            case "admin/wipe" when HttpMethods.IsPut(method):
                await WipeAsync(context).ConfigureAwait(false);
                return;
            case "groups" when HttpMethods.IsDelete(method):
                await DeleteGroupsAsync(context, scope).ConfigureAwait(false);
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

    /// <summary>
    /// Delete by selector needs admin, or a key scoped to jobs with the push right (it may delete
    /// its own groups one by one anyway). An unscoped push key keeps its 403.
    /// </summary>
    private async Task<JobScope?> AuthorizeDeleteAsync(HttpContext context)
    {
        if (access.Authorize(context, AccessRight.Admin, out var status) is { } admin)
        {
            return admin;
        }
        if (status == StatusCodes.Status403Forbidden && access.Authorize(context, AccessRight.Push, out _) is { IsAll: false } scoped)
        {
            return scoped;
        }
        await AccessControl.WriteFailureAsync(context.Response, status, AccessRight.Admin).ConfigureAwait(false);
        return null;
    }

    public Task MetricsAsync(HttpContext context) => MetricsAsync(context, JobScope.All);

    /// <summary>The groups of <c>match[]</c> (all when none), within the key's jobs.</summary>
    public async Task MetricsAsync(HttpContext context, JobScope scope)
    {
        var (selection, error) = SelectionQuery.Read(context.Request, scope);
        if (selection is null)
        {
            await Responses.RejectAsync(context, Rejection.BadRequest(error!, RejectionReason.Parse), context.RequestAborted).ConfigureAwait(false);
            return;
        }
        var groups = await scrape.ListGroupsAsync(selection, context.RequestAborted).ConfigureAwait(false);
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
        var deleted = await deletions.DeleteAsync(GroupSelection.Everything, olderThan: null, dryRun: false, context.RequestAborted).ConfigureAwait(false);
        logger.LogInformation("Wiped {Count} groups", deleted.Count);
        await Responses.EmptyAsync(context.Response, StatusCodes.Status202Accepted).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>DELETE /api/v1/groups?match[]=&lt;selector&gt;&amp;older_than=&lt;duration&gt;&amp;dry_run=true</c>,
    /// or <c>?job=&lt;job&gt;</c> (every group of the job, whatever its other labels; asked of the
    /// Pushgateway for years, it deletes one exact grouping key only). Answers the groups deleted
    /// (on a dry run: that would be). A scoped key deletes within its jobs; a selector naming
    /// another job (<c>job="…"</c>) is refused with 403.
    /// </summary>
    public async Task DeleteGroupsAsync(HttpContext context, JobScope scope)
    {
        var query = context.Request.Query;
        var job = query["job"].ToString();
        var hasMatch = query.ContainsKey(SelectionQuery.MatchParameter);
        string? error = null;
        GroupSelection? selection = null;
        if (job.Length > 0 && hasMatch)
        {
            error = "give either job or match[], not both";
        }
        else if (job.Length > 0)
        {
            selection = GroupSelection.ForJob(job, scope);
        }
        else if (hasMatch)
        {
            (selection, error) = SelectionQuery.Read(context.Request, scope);
        }
        else
        {
            error = "query parameter match[] (or job) is required";
        }
        var (age, ageError) = GroupDeletionService.ParseAge(query["older_than"].ToString());
        var dryRunText = query["dry_run"].ToString();
        var dryRun = dryRunText is "true" or "1";
        error ??= ageError ?? (dryRunText is "" or "true" or "false" or "1" or "0" ? null : $"invalid dry_run {dryRunText}: expected true or false");
        if (error is not null)
        {
            await Responses.RejectAsync(context, Rejection.BadRequest(error, RejectionReason.Parse), context.RequestAborted).ConfigureAwait(false);
            return;
        }
        if (selection!.Selectors.Select(s => s.ExactJob).FirstOrDefault(j => j is not null && !scope.Allows(j)) is { } outside)
        {
            await AccessControl.WriteOutOfScopeAsync(context.Response, outside, scope).ConfigureAwait(false);
            return;
        }
        RequestDeadline.Of(context)?.Restart(options.Value.EffectiveBulkDeadline);
        var keys = await deletions.DeleteAsync(selection, age, dryRun, context.RequestAborted).ConfigureAwait(false);
        logger.LogInformation(dryRun ? "Dry run: would delete {Count} groups" : "Deleted {Count} groups by selector", keys.Count);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = "success",
            data = new
            {
                deleted = dryRun ? 0 : keys.Count,
                dry_run = dryRun,
                groups = keys.Select(k => k.Labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal)),
            },
        };
        await JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: RequestDeadline.ClientAbortedOf(context)).ConfigureAwait(false);
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
