using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ServerlessPush.Core;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Telemetry;

namespace ServerlessPush.Http;

/// <summary><c>PUT</c>/<c>POST</c>/<c>DELETE /metrics/job/&lt;job&gt;{/&lt;label&gt;/&lt;value&gt;}</c>.</summary>
public sealed class PushEndpoint(PushService pushes, IOptions<GatewayOptions> options, AccessControl access)
{
    public const string AllowedMethods = "DELETE, OPTIONS, POST, PUT";

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;

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
        // Parsed now so that every answer's log line names the group; a bad path is answered after the body is read, as in the reference.
        var parsed = GroupingPathParser.Parse(match.JobSegment, match.JobIsBase64, match.Labels, options.Value.EnableUtf8Names);
        RequestTelemetry.Of(context)?.Group = parsed.Key;
        // Before the body is read: a caller without the right costs no more than its headers.
        if (!await CrossSiteRequests.AllowAsync(context).ConfigureAwait(false)
            || await access.AuthorizeScopedAsync(context, AccessRight.Push).ConfigureAwait(false) is not { } scope)
        {
            return;
        }
        // A scoped key is refused before its body is read too; a path that does not parse gets its 400 below, in the reference's order.
        if (!scope.IsAll && parsed.Key is { } early && !scope.Allows(early.Job))
        {
            await AccessControl.WriteOutOfScopeAsync(response, early.Job, scope).ConfigureAwait(false);
            return;
        }
        // A storage fault escapes to RequestDeadlineGuard, which answers 503 for every endpoint alike.
        var rejection = await PushOrDeleteAsync(context, parsed, mode).ConfigureAwait(false);
        if (rejection is not null)
        {
            await Responses.RejectAsync(context, rejection, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Checks, stores and answers success; returns the rejection instead when a check fails.</summary>
    private async Task<Rejection?> PushOrDeleteAsync(HttpContext context, GroupingParseResult parsed, PushMode? mode)
    {
        var request = context.Request;
        var limits = options.Value.Limits;
        // As in the reference, the body is decoded before the path is looked at. The upload is not
        // storage work: the deadline starts once the body is in.
        var body = await RequestBody.ReadAsync(request, options.Value, RequestDeadline.ClientAbortedOf(context)).ConfigureAwait(false);
        var cancellationToken = RequestDeadline.Of(context)?.Restart() ?? context.RequestAborted;
        if (body.Rejection is not null)
        {
            return body.Rejection;
        }
        var tags = new KeyValuePair<string, object?>("method", request.Method.ToLowerInvariant());
        if (mode is not null)
        {
            GatewayTelemetry.PushSize.Record(body.Body!.LongLength, tags);
        }
        if (parsed.Rejection is not null)
        {
            return parsed.Rejection;
        }
        var key = parsed.Key!;
        if (PushLimitChecker.CheckGroupingKey(key, limits) is { } keyRejection)
        {
            return keyRejection;
        }

        if (mode is null)
        {
            await pushes.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            await Responses.EmptyAsync(context.Response, StatusCodes.Status202Accepted).ConfigureAwait(false);
            return null;
        }

        var (ttl, ttlRejection) = PushTtl.Parse(request.Headers[PushTtl.HeaderName].ToString(), options.Value.MaxGroupTtl);
        if (ttlRejection is not null)
        {
            return ttlRejection;
        }

        List<MetricFamily> families;
        try
        {
            families = Parse(IsProtobuf(request.ContentType), body.Body!, body.TrailingError, limits.ParserSeriesLimit, options.Value.EnableUtf8Names);
        }
        catch (ExpositionFormatException e)
        {
            return e.LimitExceeded ? Rejection.TooLarge(e.Message) : Rejection.BadRequest(e.Message, RejectionReason.Parse);
        }
        if ((PushLimitChecker.CheckFamilies(families, limits, options.Value.EnableUtf8Names) ?? PushLimitChecker.CheckFamilyCount(families, limits)) is { } limitRejection)
        {
            return limitRejection;
        }

        var outcome = await pushes.PushAsync(key, families, mode.Value, ttl, cancellationToken).ConfigureAwait(false);
        if (!outcome.Accepted)
        {
            return outcome.Rejection;
        }
        GatewayTelemetry.PushFamilies.Record(families.Count, tags);
        GatewayTelemetry.PushSeries.Record(families.Sum(f => (long)f.Metric.Count), tags);
        await Responses.EmptyAsync(context.Response, StatusCodes.Status200OK).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Parses the body. With a read error after it (a broken gzip stream), the reference's parsers see
    /// the error where the data ends: the protobuf reader always reports it; the text parser ignores it
    /// at the start of a line and reports it as is in the middle of one (after any earlier parse error).
    /// </summary>
    public static List<MetricFamily> Parse(bool protobuf, byte[] body, string? trailingError, int maxSeries = int.MaxValue, bool utf8Names = false)
    {
        if (protobuf)
        {
            var read = ProtobufDelimited.Read(body, maxSeries);
            return trailingError is null ? read : throw new ExpositionFormatException(trailingError);
        }
        if (trailingError is null || body.Length == 0 || body[^1] == (byte)'\n')
        {
            return TextFormatParser.Parse(body, maxSeries, utf8Names);
        }
        var complete = Array.LastIndexOf(body, (byte)'\n') + 1;
        TextFormatParser.Parse(body.AsSpan(0, complete), maxSeries, utf8Names);
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
