using System.Collections.Concurrent;

namespace Partages.NodeAgent.Tests.Infrastructure;

public sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

/// <summary>Keeps every log entry so tests can assert what the agent logged (and what it did not).</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyCollection<LogEntry> Entries => _entries;

    public event Action<LogEntry>? Logged;

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    public void Dispose()
    {
    }

    public ILogger<T> CreateLogger<T>() => new Logger<T>(new SingleProviderFactory(this));

    /// <summary>The first entry (already logged or still to come) whose message matches: tests wait on it instead of sleeping.</summary>
    public async Task<LogEntry> WaitForAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        var found = new TaskCompletionSource<LogEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLogged(LogEntry entry)
        {
            if (match(entry.Message))
            {
                found.TrySetResult(entry);
            }
        }

        // Subscribed before looking at what is already there, so an entry logged in between is not missed.
        Logged += OnLogged;
        try
        {
            return _entries.FirstOrDefault(e => match(e.Message)) ?? await found.Task.WaitAsync(timeout ?? TestTimeouts.Default);
        }
        finally
        {
            Logged -= OnLogged;
        }
    }

    private void Add(LogEntry entry)
    {
        _entries.Enqueue(entry);
        Logged?.Invoke(entry);
    }

    private sealed class Recorder(RecordingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception));
    }

    private sealed class SingleProviderFactory(RecordingLoggerProvider provider) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => provider.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
