using Microsoft.Extensions.Options;

namespace Partages.Coordinator.Telemetry;

/// <summary>
/// Section <c>Coordinator:Telemetry</c> (<c>--Coordinator:Telemetry:SpanFile=PATH</c>, <c>Coordinator__Telemetry__SpanFile</c>).
/// OTLP export is switched on by the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable, not here.
/// </summary>
public sealed class CoordinatorTelemetryOptions
{
    public const string SectionName = "Coordinator:Telemetry";

    /// <summary>When set, every finished span is appended to this file as one JSON line (relative paths: from the working directory).</summary>
    public string SpanFile { get; set; } = "";

    /// <summary>
    /// Serve <c>/metrics</c> without an API token. Off by default: the labels name the hospitals and the counters
    /// show how many documents each one evaluates, which is for federation members, not for anyone on the network.
    /// </summary>
    public bool AllowAnonymousMetrics { get; set; }
}

/// <summary>Lists every problem with the telemetry settings at once.</summary>
public sealed class CoordinatorTelemetryOptionsValidator : IValidateOptions<CoordinatorTelemetryOptions>
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public ValidateOptionsResult Validate(string? name, CoordinatorTelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Collect(options, Environment.GetEnvironmentVariable(OtlpEndpointVariable));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static IReadOnlyList<string> Collect(CoordinatorTelemetryOptions options, string? otlpEndpoint)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.SpanFile))
        {
            string? full = null;
            try
            {
                full = Path.GetFullPath(options.SpanFile);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                errors.Add($"{CoordinatorTelemetryOptions.SectionName}:SpanFile '{options.SpanFile}' is not a valid path: {ex.Message}");
            }

            if (full is not null && Directory.Exists(full))
            {
                errors.Add($"{CoordinatorTelemetryOptions.SectionName}:SpanFile '{options.SpanFile}' is a directory; give a file path.");
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
