using Microsoft.AspNetCore.Http;
using ServerlessPush.Core;
using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Http;

/// <summary>
/// What one request's log line and metrics need, filled in as it is answered: the handler (a fixed
/// name per route, as the reference's <c>handler</c> label), the group, and the rejection if any.
/// </summary>
public sealed class RequestTelemetry
{
    /// <summary>The handler of a path no route serves: never the path itself, which would make every scan a new series.</summary>
    public const string UnknownHandler = "unknown";

    public string Handler { get; set; } = UnknownHandler;

    /// <summary>The grouping key of a push or delete, once it is parsed.</summary>
    public GroupingKey? Group { get; set; }

    /// <summary>Set by <see cref="Responses.RejectAsync"/>.</summary>
    public Rejection? Rejection { get; set; }

    /// <summary>The request's telemetry, or null outside <see cref="RequestDeadlineGuard"/> (an endpoint called directly).</summary>
    public static RequestTelemetry? Of(HttpContext context) => context.Features.Get<RequestTelemetry>();
}
