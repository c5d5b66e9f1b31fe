using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ServerlessPush.Testing;

/// <summary>One log line as a test reads it: its category, level, formatted text and exception.</summary>
public sealed record LogMessage(string Category, LogLevel Level, string Text, Exception? Exception);

/// <summary>Keeps every log line of every level, for tests that assert what an operator would read.</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<LogMessage> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(RecordingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Messages.Enqueue(new LogMessage(category, logLevel, formatter(state, exception), exception));
    }
}
