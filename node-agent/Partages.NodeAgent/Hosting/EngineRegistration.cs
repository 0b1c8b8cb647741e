using Microsoft.Extensions.DependencyInjection;
using Partages.NodeAgent.Isolation;

namespace Partages.NodeAgent.Hosting;

/// <summary>The one place the concrete evaluation engine is chosen; everything else sees <see cref="IEvaluationEngine"/>.</summary>
public static class EngineRegistration
{
    public static IServiceCollection AddEvaluationEngine(this IServiceCollection services)
    {
        // Each run in its own worker process, under the policy's memory and time limits (Isolation/).
        return services.AddIsolatedEvaluationEngine();
    }
}
