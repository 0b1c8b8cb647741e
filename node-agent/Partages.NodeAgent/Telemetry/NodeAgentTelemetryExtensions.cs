using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Partages.NodeAgent.Engine.Telemetry;
using Partages.Telemetry;

namespace Partages.NodeAgent.Telemetry;

/// <summary>
/// Where the agent's telemetry goes. Nothing leaves by default (a node opens no port and sends the coordinator
/// only its protocol messages): OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, a JSON-lines span file when
/// <c>PARTAGES_SPAN_FILE</c> is set. The SubmitResult call carries the job's trace context either way.
/// </summary>
public static class NodeAgentTelemetryExtensions
{
    public const string SpanFileVariable = "PARTAGES_SPAN_FILE";
    public const string OtlpEndpointVariable = TelemetryDefaults.OtlpEndpointVariable;

    public static IServiceCollection AddNodeAgentTelemetry(this IServiceCollection services, NodeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        services.AddSingleton<IValidateOptions<NodeTelemetryOptions>, NodeTelemetryOptionsValidator>();
        services.AddOptions<NodeTelemetryOptions>()
            .Configure(options =>
            {
                options.SpanFile = Environment.GetEnvironmentVariable(SpanFileVariable) ?? "";
                options.OtlpEndpoint = Environment.GetEnvironmentVariable(OtlpEndpointVariable) ?? "";
            })
            .ValidateOnStart();
        services.AddPartagesTelemetry(new ServiceTelemetry
        {
            ServiceName = "partages-node-agent",
            ServiceVersion = typeof(NodeAgentTelemetry).Assembly.GetName().Version?.ToString(),
            InstanceId = config.Name,
            SpanFile = provider => provider.GetRequiredService<IOptions<NodeTelemetryOptions>>().Value.SpanFile,
            // Client spans for the node's calls; their context travels in the calls' metadata (traceparent).
            Tracing = tracing => tracing.AddSource(NodeAgentTelemetry.Name, EngineTelemetry.Name).AddGrpcClientInstrumentation(),
            Metrics = metrics => metrics.AddMeter(NodeAgentTelemetry.Name, EngineTelemetry.Name),
        });
        return services;
    }
}

/// <summary>The agent's telemetry settings, from the environment (they are about the host, not about the node's data).</summary>
public sealed class NodeTelemetryOptions
{
    public string SpanFile { get; set; } = "";

    public string OtlpEndpoint { get; set; } = "";
}

/// <summary>Lists every problem with the telemetry variables at once.</summary>
public sealed class NodeTelemetryOptionsValidator : IValidateOptions<NodeTelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeTelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = TelemetryDefaults.Check(NodeAgentTelemetryExtensions.SpanFileVariable, options.SpanFile, options.OtlpEndpoint);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
