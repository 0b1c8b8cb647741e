using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Partages.NodeAgent.Hosting;
using Partages.NodeAgent.Session;

namespace Partages.NodeAgent.Tests.Infrastructure;

/// <summary>The real agent host, enrolled with the fake coordinator's CA, with a fake engine and test-speed intervals.</summary>
public sealed class NodeUnderTest : IAsyncDisposable
{
    public const string NodeName = "chu-test";

    private int _disposed;

    private NodeUnderTest(IHost host, NodeConfig config, NodeIdentity identity, RecordingLoggerProvider logs)
    {
        Host = host;
        Config = config;
        Identity = identity;
        Logs = logs;
    }

    public IHost Host { get; }

    public NodeConfig Config { get; }

    public NodeIdentity Identity { get; }

    public RecordingLoggerProvider Logs { get; }

    public Outbox Outbox => Host.Services.GetRequiredService<Outbox>();

    public AgentStatus Status => Host.Services.GetRequiredService<AgentStatus>();

    public static async Task<NodeUnderTest> StartAsync(
        FakeCoordinator coordinator,
        FakeEngine engine,
        TestDirectory directory,
        Action<AgentOptions>? tune = null,
        IReadOnlyList<DatasetDefinition>? datasets = null,
        Func<NodeConfig, RecordingLoggerProvider, NodeConfig>? configure = null,
        TimeProvider? timeProvider = null,
        Func<NodeConfig, NodePolicy>? policy = null)
    {
        var config = new NodeConfig
        {
            Name = NodeName,
            CoordinatorUrl = coordinator.Address,
            DataDirectory = directory.Combine("node-data"),
            Datasets = datasets ?? [new DatasetDefinition("amr-reports", directory.Combine("amr.jsonl"), "jsonl")],
            SourcePath = directory.Combine("node.yaml"),
        };
        coordinator.Pki.WriteIdentity(config.IdentityDirectory, NodeName);
        var identity = NodeIdentity.Load(IdentityFiles.For(config));
        var logs = new RecordingLoggerProvider();
        config = configure?.Invoke(config, logs) ?? config;
        var host = NodeAgentHost.Create(config, identity, services =>
        {
            services.AddSingleton<IEvaluationEngine>(engine);
            // The node policy: everything allowed unless the test brings its own (tests/…/Policy/).
            services.AddSingleton(policy?.Invoke(config) ?? TestPolicies.AllowAll(config));
            if (timeProvider is not null)
            {
                services.AddSingleton(timeProvider);
            }

            services.AddSingleton<ILoggerProvider>(logs);
            services.AddLogging(logging => logging.AddFilter<RecordingLoggerProvider>(level => level >= LogLevel.Debug));
            services.PostConfigure<AgentOptions>(options =>
            {
                options.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
                options.ReconnectInitialDelay = TimeSpan.FromMilliseconds(20);
                options.ReconnectMaxDelay = TimeSpan.FromMilliseconds(200);
                options.ProgressInterval = TimeSpan.FromMilliseconds(1);
                options.WelcomeTimeout = TimeSpan.FromSeconds(10);
                // A test that stops the agent with a run in flight hands it back at once unless it asks for a grace period.
                options.StopGracePeriod = TimeSpan.Zero;
                tune?.Invoke(options);
            });
        });
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            identity.Dispose();
            throw;
        }

        return new NodeUnderTest(host, config, identity, logs);
    }

    /// <summary>The first status the agent writes (or has last written) that matches: no polling, no sleeps.</summary>
    public async Task<AgentStatusDocument> StatusAsync(Func<AgentStatusDocument, bool> match)
    {
        var found = new TaskCompletionSource<AgentStatusDocument>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnWritten(AgentStatusDocument written)
        {
            if (match(written))
            {
                found.TrySetResult(written);
            }
        }

        Status.Written += OnWritten;
        try
        {
            var current = Status.Current;
            if (File.Exists(Status.FilePath) && match(current))
            {
                return current;
            }

            return await found.Task.WaitAsync(TestTimeouts.Default);
        }
        finally
        {
            Status.Written -= OnWritten;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        await Host.StopAsync(timeout.Token);
        Host.Dispose();
        Identity.Dispose();
    }
}
