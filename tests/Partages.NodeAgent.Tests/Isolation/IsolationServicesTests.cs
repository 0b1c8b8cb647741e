using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Partages.NodeAgent.Hosting;

namespace Partages.NodeAgent.Tests.Isolation;

public sealed class IsolationServicesTests
{
    [Test]
    public void AddEvaluationEngine_ByDefault_RunsEvaluationsInWorkersWithTheDefaultLimits()
    {
        using var services = Services().BuildServiceProvider();

        var engine = services.GetRequiredService<IEvaluationEngine>();

        engine.Should().BeOfType<IsolatedEvaluationEngine>()
            .Which.Limits.Should().Be(new WorkerLimits(TimeSpan.FromMinutes(new RunLimits().RunTimeoutMinutes), new RunLimits().MemoryLimitMb));
    }

    [Test]
    public void AddEvaluationEngine_PolicyRegistered_TakesThePolicysLimits()
    {
        var policy = new NodePolicy
        {
            Datasets = [],
            Tasks = [],
            Limits = new RunLimits { RunTimeoutMinutes = 7, MemoryLimitMb = 1536 },
        };
        var collection = Services(options => options.MemoryLimitMb = 999);
        collection.AddSingleton(policy);
        using var services = collection.BuildServiceProvider();

        var engine = services.GetRequiredService<IEvaluationEngine>();

        engine.Should().BeOfType<IsolatedEvaluationEngine>()
            .Which.Limits.Should().Be(new WorkerLimits(TimeSpan.FromMinutes(7), 1536));
    }

    [Test]
    public void AddEvaluationEngine_BatchTimeoutConfiguredAndPolicyRegistered_TakesTheNodesBatchLimitWhateverThePolicy()
    {
        var policy = new NodePolicy { Datasets = [], Tasks = [], Limits = new RunLimits { RunTimeoutMinutes = 7, MemoryLimitMb = 1536 } };
        var collection = Services(options => options.BatchTimeoutSeconds = 30);
        collection.AddSingleton(policy);
        using var services = collection.BuildServiceProvider();

        var limits = services.GetRequiredService<IEvaluationEngine>().Should().BeOfType<IsolatedEvaluationEngine>().Which.Limits;

        limits.RunTimeout.Should().Be(TimeSpan.FromMinutes(7));
        limits.BatchTimeout.Should().Be(TimeSpan.FromSeconds(37.5), "the engine's 30 s, then a quarter more before the agent kills the worker");
    }

    [Test]
    public void AddEvaluationEngine_ConfigurationAsksForInProcess_RunsEvaluationsInTheAgent()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Isolation:Engine"] = "InProcess" })
            .Build();
        var collection = Services();
        collection.AddSingleton<IConfiguration>(configuration);
        using var services = collection.BuildServiceProvider();

        services.GetRequiredService<IEvaluationEngine>().Should().BeOfType<EvaluationEngine>();
    }

    [Test]
    public void AddEvaluationEngine_InvalidOptions_ListsEveryProblem()
    {
        using var services = Services(options =>
        {
            options.RunTimeoutMinutes = 0;
            options.MemoryLimitMb = 16;
            options.BatchTimeoutSeconds = 0;
            options.WorkerPath = "/nowhere/Partages.NodeAgent.Worker.dll";
        }).BuildServiceProvider();

        var read = () => services.GetRequiredService<IOptions<IsolationOptions>>().Value;

        read.Should().Throw<OptionsValidationException>()
            .Which.Failures.Should().HaveCount(4)
            .And.Contain(f => f.Contains("RunTimeoutMinutes", StringComparison.Ordinal))
            .And.Contain(f => f.Contains("BatchTimeoutSeconds", StringComparison.Ordinal))
            .And.Contain(f => f.Contains("MemoryLimitMb", StringComparison.Ordinal))
            .And.Contain(f => f.Contains("/nowhere/", StringComparison.Ordinal));
    }

    [Test]
    public void AddEvaluationEngine_EngineAlreadyRegistered_KeepsIt()
    {
        var mine = new EvaluationEngine();
        var collection = new ServiceCollection().AddLogging();
        collection.AddSingleton<IEvaluationEngine>(mine);
        collection.AddEvaluationEngine();
        using var services = collection.BuildServiceProvider();

        services.GetRequiredService<IEvaluationEngine>().Should().BeSameAs(mine);
    }

    private static ServiceCollection Services(Action<IsolationOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddEvaluationEngine();
        if (configure is not null)
        {
            services.PostConfigure(configure);
        }

        return services;
    }
}
