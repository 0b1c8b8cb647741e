using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Partages.Telemetry;

/// <summary>What a service adds to the shared telemetry set-up: its name, sources and instrumentation.</summary>
public sealed class ServiceTelemetry
{
    public required string ServiceName { get; init; }

    public string? ServiceVersion { get; init; }

    /// <summary>This instance's name (a node's), or null.</summary>
    public string? InstanceId { get; init; }

    /// <summary>The span file's path, read from the service's own options once the container is built (empty: none).</summary>
    public required Func<IServiceProvider, string?> SpanFile { get; init; }

    public Action<TracerProviderBuilder> Tracing { get; init; } = _ => { };

    public Action<MeterProviderBuilder> Metrics { get; init; } = _ => { };
}

/// <summary>
/// OpenTelemetry as every Partages service sets it up: trace and span ids in every log scope, the service's resource,
/// the JSON-lines span file when one is configured, and OTLP export of traces and metrics when the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable is set.
/// </summary>
public static class TelemetryDefaults
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static IServiceCollection AddPartagesTelemetry(this IServiceCollection services, ServiceTelemetry service)
    {
        ArgumentNullException.ThrowIfNull(service);
        // The trace and span ids go into every log scope, so a log line leads to its trace and back.
        services.Configure<LoggerFactoryOptions>(logging =>
            logging.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);

        // Decided at registration: the OTLP exporter registers services of its own, which cannot happen later.
        var otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable));
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(service.ServiceName, serviceVersion: service.ServiceVersion, serviceInstanceId: service.InstanceId))
            .WithTracing(tracing =>
            {
                service.Tracing(tracing);
                tracing.AddProcessor(provider => SpanFileExporter.Processor(service.SpanFile(provider)));
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                service.Metrics(metrics);
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        return services;
    }

    /// <summary>
    /// Every problem with the telemetry settings: a span file that is a directory or not a path, an OTLP endpoint that
    /// is not an http(s) URL. <paramref name="spanFileSetting"/> names the setting as the operator writes it.
    /// </summary>
    public static IReadOnlyList<string> Check(string spanFileSetting, string? spanFile, string? otlpEndpoint)
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(spanFile))
        {
            try
            {
                if (Directory.Exists(Path.GetFullPath(spanFile)))
                {
                    errors.Add($"{spanFileSetting} '{spanFile}' is a directory; give a file path.");
                }
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                errors.Add($"{spanFileSetting} '{spanFile}' is not a valid path: {ex.Message}");
            }
        }

        if (!string.IsNullOrWhiteSpace(otlpEndpoint)
            && (!Uri.TryCreate(otlpEndpoint, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"{OtlpEndpointVariable} '{otlpEndpoint}' must be an http:// or https:// URL, e.g. http://collector:4317.");
        }

        return errors;
    }
}
