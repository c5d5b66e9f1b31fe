using Microsoft.AspNetCore.Http;

namespace ServerlessPush.Http;

/// <summary>
/// One request's deadline. While the request runs, <see cref="HttpContext.RequestAborted"/> is a token
/// that fires when the client goes away or the deadline passes, so every storage call the endpoints
/// make with it is bounded without each endpoint knowing. What the deadline must not cut short (a
/// slow client's upload or download) uses <see cref="ClientAborted"/>.
/// </summary>
public sealed class RequestDeadline : IDisposable
{
    private readonly HttpContext _context;
    private readonly List<CancellationTokenSource> _sources = [];
    private CancellationTokenSource _current;

    internal RequestDeadline(HttpContext context, TimeSpan limit)
    {
        _context = context;
        ClientAborted = context.RequestAborted;
        Limit = limit;
        _current = Arm();
        context.Features.Set(this);
    }

    /// <summary>The client's connection alone: cancelled only when the client goes away.</summary>
    public CancellationToken ClientAborted { get; }

    /// <summary>The time the storage work has, counted from the last (re)start.</summary>
    public TimeSpan Limit { get; private set; }

    /// <summary>The deadline passed (and the client is still there).</summary>
    public bool Expired => _current.IsCancellationRequested && !ClientAborted.IsCancellationRequested;

    /// <summary>
    /// Starts the deadline again from now, optionally with another <paramref name="limit"/>: a push's
    /// storage work begins once its body has been read, a bulk delete gets the bulk deadline. Returns
    /// the request's token from now on (also <see cref="HttpContext.RequestAborted"/>).
    /// </summary>
    public CancellationToken Restart(TimeSpan? limit = null)
    {
        Limit = limit ?? Limit;
        _current = Arm();
        return _current.Token;
    }

    /// <summary>The deadline of the request, or null outside <see cref="RequestDeadlineGuard"/> (an endpoint called directly).</summary>
    public static RequestDeadline? Of(HttpContext context) => context.Features.Get<RequestDeadline>();

    /// <summary>The token that only the client going away cancels: for reading the body and writing the answer.</summary>
    public static CancellationToken ClientAbortedOf(HttpContext context) => Of(context)?.ClientAborted ?? context.RequestAborted;

    /// <summary>The client went away: nothing written would reach anyone.</summary>
    public static bool ClientGone(HttpContext context) => ClientAbortedOf(context).IsCancellationRequested;

    public void Dispose()
    {
        _context.RequestAborted = ClientAborted;
        _context.Features.Set<RequestDeadline>(null);
        foreach (var source in _sources)
        {
            source.Dispose();
        }
    }

    private CancellationTokenSource Arm()
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(ClientAborted);
        source.CancelAfter(Limit);
        _sources.Add(source);
        _context.RequestAborted = source.Token;
        return source;
    }
}
