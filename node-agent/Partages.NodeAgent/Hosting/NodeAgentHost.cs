using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Partages.NodeAgent.Enrollment;
using Partages.NodeAgent.Telemetry;

namespace Partages.NodeAgent.Hosting;

/// <summary>The long-running agent as a Generic Host: what <c>run</c> starts, and what the tests start in process.</summary>
public static class NodeAgentHost
{
    /// <summary>Beyond the grace period: handing runs back, flushing the session (3 s at most), closing it.</summary>
    public static readonly TimeSpan ShutdownMargin = TimeSpan.FromSeconds(15);

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
        // The host's stop waits for the job runner (runs finish within the grace period, the rest is handed back),
        // then for the session to flush those messages: beyond that margin it gives up waiting.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(config.StopGraceSeconds) + ShutdownMargin);
        configure?.Invoke(builder.Services);
        builder.Services
            .AddNodeAgent(config, identity)
            .AddEvaluationEngine()
            .AddNodeAgentTelemetry(config);     // Telemetry/: spans, metrics, exporters
        return builder.Build();
    }
}
