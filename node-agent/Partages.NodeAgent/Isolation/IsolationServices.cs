using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Partages.NodeAgent.Policy;

namespace Partages.NodeAgent.Isolation;

public static class IsolationServices
{
    /// <summary>
    /// Registers the evaluation engine: an <see cref="IsolatedEvaluationEngine"/> (one worker process per run) unless
    /// <see cref="IsolationOptions.Engine"/> says <see cref="EngineHosting.InProcess"/>. The limits are the node
    /// policy's when one is registered, else <see cref="IsolationOptions"/>'s. An engine registered before this
    /// (tests' fakes) is kept.
    /// </summary>
    public static IServiceCollection AddIsolatedEvaluationEngine(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IsolationOptions>, IsolationOptionsValidator>());
        services.AddOptions<IsolationOptions>()
            // The host's configuration when there is one (appsettings.json, Isolation__Engine=InProcess); defaults otherwise.
            .Configure<IServiceProvider>((options, sp) => sp.GetService<IConfiguration>()?.GetSection(IsolationOptions.Section).Bind(options))
            .ValidateOnStart();
        services.TryAddSingleton<IEvaluationEngine>(sp => Create(sp, sp.GetRequiredService<IOptions<IsolationOptions>>().Value));
        return services;
    }

    private static IEvaluationEngine Create(IServiceProvider services, IsolationOptions options)
    {
        // The engine validates its own options and lists every problem; its defaults fit a small shared server. The
        // per-call time limit is the node's (Isolation:BatchTimeoutSeconds), never a policy's.
        var engineOptions = new EvaluationEngineOptions { BatchTimeoutSeconds = options.BatchTimeoutSeconds };
        var inProcess = new EvaluationEngine(engineOptions);
        if (options.Engine == EngineHosting.InProcess)
        {
            return inProcess;
        }

        return new IsolatedEvaluationEngine(
            inProcess,
            engineOptions,
            LimitsFor(services.GetService<NodePolicy>(), options),
            services.GetRequiredService<ILogger<IsolatedEvaluationEngine>>(),
            services.GetService<TimeProvider>(),
            options.WorkerPath,
            options.MaxDiagnosticsChars);
    }

    /// <summary>The policy's run and memory limits when there is a policy, else the options'; the per-call limit is always the options'.</summary>
    internal static WorkerLimits LimitsFor(NodePolicy? policy, IsolationOptions options)
    {
        var batchKill = WorkerLimits.BatchKillAfter(TimeSpan.FromSeconds(options.BatchTimeoutSeconds));
        return policy is null
            ? new WorkerLimits(TimeSpan.FromMinutes(options.RunTimeoutMinutes), options.MemoryLimitMb, batchKill)
            : new WorkerLimits(TimeSpan.FromMinutes(policy.Limits.RunTimeoutMinutes), policy.Limits.MemoryLimitMb, batchKill);
    }
}
