using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Partages.NodeAgent.Configuration;
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
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

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
        // The trace and span ids go into every log scope, so a job's log lines lead to its trace.
        services.Configure<LoggerFactoryOptions>(logging =>
            logging.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);

        // Decided at registration: the OTLP exporter registers services of its own, which cannot happen later.
        var otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable));
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                "partages-node-agent",
                serviceVersion: typeof(NodeAgentTelemetry).Assembly.GetName().Version?.ToString(),
                serviceInstanceId: config.Name))
            .WithTracing(tracing =>
            {
                tracing.AddSource(NodeAgentTelemetry.Name, EngineTelemetry.Name)
                    // Client spans for the node's calls; their context travels in the calls' metadata (traceparent).
                    .AddGrpcClientInstrumentation()
                    .AddProcessor(provider => SpanFileExporter.Processor(provider.GetRequiredService<IOptions<NodeTelemetryOptions>>().Value.SpanFile));
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(NodeAgentTelemetry.Name, EngineTelemetry.Name);
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
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
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.SpanFile))
        {
            try
            {
                if (Directory.Exists(Path.GetFullPath(options.SpanFile)))
                {
                    errors.Add($"{NodeAgentTelemetryExtensions.SpanFileVariable} '{options.SpanFile}' is a directory; give a file path.");
                }
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                errors.Add($"{NodeAgentTelemetryExtensions.SpanFileVariable} '{options.SpanFile}' is not a valid path: {ex.Message}");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint)
            && (!Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"{NodeAgentTelemetryExtensions.OtlpEndpointVariable} '{options.OtlpEndpoint}' must be an http:// or https:// URL, e.g. http://collector:4317.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
