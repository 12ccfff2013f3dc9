using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Pipeline.Tests.Adapters.Aws.EndToEnd;

/// <summary>
/// A logger provider that keeps the host's warnings and errors and lets a test wait for a given one: the signal
/// that the pipeline reached a state it does not expose otherwise (e.g. gave up while its store is unreachable).
/// </summary>
internal sealed class LogRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private readonly ConcurrentBag<(Func<LogEntry, bool> Match, TaskCompletionSource<LogEntry> Done)> _waiters = [];

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    /// <summary>Completes with the first entry (already recorded or still to come) that matches.</summary>
    public async Task<LogEntry> WaitForAsync(Func<LogEntry, bool> match, TimeSpan timeout, string what)
    {
        var done = new TaskCompletionSource<LogEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters.Add((match, done));
        if (_entries.FirstOrDefault(match) is { } seen) done.TrySetResult(seen);
        try
        {
            return await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for the log of {what}; last logged: " +
                string.Join(" | ", _entries.TakeLast(10)));
        }
    }

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    public void Dispose()
    {
    }

    private void Record(LogEntry entry)
    {
        _entries.Enqueue(entry);
        foreach (var (match, done) in _waiters)
            if (!done.Task.IsCompleted && match(entry)) done.TrySetResult(entry);
    }

    private sealed class Recorder(LogRecorder owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) owner.Record(new LogEntry(category, logLevel, formatter(state, exception), exception));
        }
    }
}

/// <summary>One recorded log entry.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, string Message, Exception? Exception)
{
    public override string ToString() => $"{Level} {Category}: {Message}";
}
