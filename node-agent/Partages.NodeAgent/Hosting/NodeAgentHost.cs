using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Partages.NodeAgent.Configuration;
using Partages.NodeAgent.Enrollment;
using Partages.NodeAgent.Telemetry;

namespace Partages.NodeAgent.Hosting;

/// <summary>The long-running agent as a Generic Host: what <c>run</c> starts, and what the tests start in process.</summary>
public static class NodeAgentHost
{
    /// <param name="configure">Applied last: tests replace the engine, shorten intervals, add loggers.</param>
    public static IHost Create(NodeConfig config, NodeIdentity identity, Action<IServiceCollection>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(identity);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ApplicationName = "Partages.NodeAgent",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.IncludeScopes = true;   // carries the trace and span ids (Telemetry/)
            console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(15));
        configure?.Invoke(builder.Services);
        builder.Services
            .AddNodeAgent(config, identity)
            .AddEvaluationEngine()
            .AddNodeAgentTelemetry(config);     // Telemetry/: spans, metrics, exporters
        return builder.Build();
    }
}
