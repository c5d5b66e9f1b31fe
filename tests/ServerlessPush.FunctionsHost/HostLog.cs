using Microsoft.Extensions.Logging;

namespace ServerlessPush.FunctionsHost;

/// <summary>
/// What the test host logged, and what the worker sent it as <c>RpcLog</c>: the place to look for
/// the host's own messages (function errors, routes mapped, invocations). Newest lines kept.
/// </summary>
public sealed class HostLog
{
    private const int MaxLines = 5000;
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    public void Write(LogLevel level, string category, string message, Exception? exception = null)
    {
        var line = $"{DateTimeOffset.UtcNow:HH:mm:ss.fff} [{Abbreviation(level)}] {category}: {message}"
            + (exception is null ? "" : $"\n      {exception.GetType().FullName}: {exception.Message}");
        lock (_gate)
        {
            _lines.Enqueue(line);
            while (_lines.Count > MaxLines)
            {
                _lines.Dequeue();
            }
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public bool Contains(string text) => Lines.Any(l => l.Contains(text, StringComparison.Ordinal));

    public override string ToString() => string.Join('\n', Lines);

    private static string Abbreviation(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}

/// <summary>Routes the ASP.NET Core logs of the test host's own servers into its <see cref="HostLog"/>.</summary>
internal sealed class HostLogProvider(HostLog log, LogLevel minimum) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(log, categoryName, minimum);

    public void Dispose()
    {
    }

    private sealed class Logger(HostLog log, string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Write(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
