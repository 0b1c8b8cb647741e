using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Partages.NodeAgent.Engine;

namespace Partages.NodeAgent.Hosting;

/// <summary>The one place the concrete evaluation engine is chosen; everything else sees <see cref="IEvaluationEngine"/>.</summary>
public static class EngineRegistration
{
    public static IServiceCollection AddEvaluationEngine(this IServiceCollection services)
    {
        // The engine validates its own options and lists every problem; its defaults fit a small shared server.
        services.TryAddSingleton<IEvaluationEngine>(_ => new EvaluationEngine(new EvaluationEngineOptions()));
        return services;
    }
}
