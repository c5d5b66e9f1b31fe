using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Http;

/// <summary><c>PUT</c>/<c>POST</c>/<c>DELETE /metrics/job/&lt;job&gt;{/&lt;label&gt;/&lt;value&gt;}</c>.</summary>
public sealed class PushEndpoint(PushService pushes, IOptions<GatewayOptions> options, AccessControl access, ILogger<PushEndpoint> logger)
{
    public const string AllowedMethods = "DELETE, OPTIONS, POST, PUT";

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var cancellationToken = context.RequestAborted;

        var match = PushPath.Match(RequestPath.Decoded(context));
        switch (match.Kind)
        {
            case PushPathKind.NotFound:
                await Responses.NotFoundAsync(response).ConfigureAwait(false);
                return;
            case PushPathKind.Redirect:
                await Responses.RedirectAsync(response, match.Status, match.Location, request.QueryString.Value).ConfigureAwait(false);
                return;
        }

        PushMode? mode = HttpMethods.IsPut(request.Method) ? PushMode.Replace
            : HttpMethods.IsPost(request.Method) ? PushMode.Merge
            : null;
        if (HttpMethods.IsOptions(request.Method))
        {
            response.Headers.Allow = AllowedMethods;
            await Responses.EmptyAsync(response, StatusCodes.Status200OK).ConfigureAwait(false);
            return;
        }
        if (mode is null && !HttpMethods.IsDelete(request.Method))
        {
            await Responses.MethodNotAllowedAsync(response, AllowedMethods).ConfigureAwait(false);
            return;
        }
        // Before the body is read: a caller without the right costs no more than its headers.
        if (!await CrossSiteRequests.AllowAsync(context).ConfigureAwait(false)
            || await access.AuthorizeScopedAsync(context, AccessRight.Push).ConfigureAwait(false) is not { } scope)
        {
            return;
        }
        // A scoped key is refused before its body is read too; a path that does not parse gets its 400 below, in the reference's order.
        if (!scope.IsAll && GroupingPathParser.Parse(match.JobSegment, match.JobIsBase64, match.Labels) is { Success: true } early
            && !scope.Allows(early.Key!.Job))
        {
            await AccessControl.WriteOutOfScopeAsync(response, early.Key.Job, scope).ConfigureAwait(false);
            return;
        }
        var limits = options.Value.Limits;

        try
        {
            // As in the reference, the body is decoded before the path is looked at. The upload is not
            // storage work: the deadline starts once the body is in.
            var body = await RequestBody.ReadAsync(request, options.Value, RequestDeadline.ClientAbortedOf(context)).ConfigureAwait(false);
            cancellationToken = RequestDeadline.Of(context)?.Restart() ?? cancellationToken;
            if (body.Error is not null)
            {
                await Responses.ErrorAsync(response, body.Status, body.Error, cancellationToken).ConfigureAwait(false);
                return;
            }
            var parsed = GroupingPathParser.Parse(match.JobSegment, match.JobIsBase64, match.Labels);
            if (!parsed.Success)
            {
                await Responses.ErrorAsync(response, StatusCodes.Status400BadRequest, parsed.Error!, cancellationToken).ConfigureAwait(false);
                return;
            }
            var key = parsed.Key!;
            var keyError = PushLimitChecker.CheckGroupingKey(key, limits);
            if (keyError is not null)
            {
                await Responses.ErrorAsync(response, StatusCodes.Status400BadRequest, keyError, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (mode is null)
            {
                await pushes.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
                await Responses.EmptyAsync(response, StatusCodes.Status202Accepted).ConfigureAwait(false);
                return;
            }

            var (ttl, ttlError) = PushTtl.Parse(request.Headers[PushTtl.HeaderName].ToString(), options.Value.MaxGroupTtl);
            if (ttlError is not null)
            {
                await Responses.ErrorAsync(response, StatusCodes.Status400BadRequest, ttlError, cancellationToken).ConfigureAwait(false);
                return;
            }

            List<MetricFamily> families;
            try
            {
                families = Parse(IsProtobuf(request.ContentType), body.Body!, body.TrailingError, limits.ParserSeriesLimit);
            }
            catch (ExpositionFormatException e)
            {
                var status = e.LimitExceeded ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest;
                await Responses.ErrorAsync(response, status, e.Message, cancellationToken).ConfigureAwait(false);
                return;
            }
            var limitError = PushLimitChecker.CheckFamilies(families, limits);
            if (limitError is not null)
            {
                await Responses.ErrorAsync(response, StatusCodes.Status400BadRequest, limitError, cancellationToken).ConfigureAwait(false);
                return;
            }
            var familyCountError = PushLimitChecker.CheckFamilyCount(families, limits);
            if (familyCountError is not null)
            {
                await Responses.ErrorAsync(response, StatusCodes.Status413PayloadTooLarge, familyCountError, cancellationToken).ConfigureAwait(false);
                return;
            }

            var outcome = await pushes.PushAsync(key, families, mode.Value, ttl, cancellationToken).ConfigureAwait(false);
            if (outcome.Accepted)
            {
                await Responses.EmptyAsync(response, StatusCodes.Status200OK).ConfigureAwait(false);
            }
            else
            {
                await Responses.ErrorAsync(response, StatusCodes.Status400BadRequest, outcome.Error!, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (StorageUnavailableException e)
        {
            logger.LogWarning(e, "Storage unavailable during {Method} {Path}", request.Method, request.Path);
            await Responses.UnavailableAsync(response, e.Message).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Parses the body. With a read error after it (a broken gzip stream), the reference's parsers see
    /// the error where the data ends: the protobuf reader always reports it; the text parser ignores it
    /// at the start of a line and reports it as is in the middle of one (after any earlier parse error).
    /// </summary>
    public static List<MetricFamily> Parse(bool protobuf, byte[] body, string? trailingError, int maxSeries = int.MaxValue)
    {
        if (protobuf)
        {
            var read = ProtobufDelimited.Read(body, maxSeries);
            return trailingError is null ? read : throw new ExpositionFormatException(trailingError);
        }
        if (trailingError is null || body.Length == 0 || body[^1] == (byte)'\n')
        {
            return TextFormatParser.Parse(body, maxSeries);
        }
        var complete = Array.LastIndexOf(body, (byte)'\n') + 1;
        TextFormatParser.Parse(body.AsSpan(0, complete), maxSeries);
        throw new ExpositionFormatException(trailingError);
    }

    /// <summary>The protobuf delimited MetricFamily stream, by media type and parameters in any order.</summary>
    public static bool IsProtobuf(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var media)
            || !string.Equals(media.MediaType, "application/vnd.google.protobuf", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        string? Param(string name) => media.Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.Value?.Trim('"');
        return Param("proto") == "io.prometheus.client.MetricFamily" && Param("encoding") == "delimited";
    }
}
