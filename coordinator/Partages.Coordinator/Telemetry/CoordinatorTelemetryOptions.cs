using Microsoft.Extensions.Options;
using Partages.Telemetry;

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
    public const string OtlpEndpointVariable = TelemetryDefaults.OtlpEndpointVariable;

    public ValidateOptionsResult Validate(string? name, CoordinatorTelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Collect(options, Environment.GetEnvironmentVariable(OtlpEndpointVariable));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static IReadOnlyList<string> Collect(CoordinatorTelemetryOptions options, string? otlpEndpoint)
    {
        ArgumentNullException.ThrowIfNull(options);
        return TelemetryDefaults.Check($"{CoordinatorTelemetryOptions.SectionName}:SpanFile", options.SpanFile, otlpEndpoint);
    }
}
