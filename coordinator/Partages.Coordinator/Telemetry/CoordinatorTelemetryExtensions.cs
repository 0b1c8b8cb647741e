using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Partages.Coordinator.Pki;
using Partages.Telemetry;

namespace Partages.Coordinator.Telemetry;

/// <summary>
/// OpenTelemetry for the coordinator: ASP.NET Core (gRPC included) and the coordinator's own spans and metrics;
/// exporters: OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, a JSON-lines span file when
/// <c>Coordinator:Telemetry:SpanFile</c> is set, and Prometheus at <c>/metrics</c> on the TLS port.
/// </summary>
public static partial class CoordinatorTelemetryExtensions
{
    public const string MetricsPath = "/metrics";

    /// <summary>Paths that are polled, not used: tracing them would bury the evaluations' traces.</summary>
    private static readonly string[] UntracedPaths = ["/healthz", "/readyz", MetricsPath];

    public static IServiceCollection AddCoordinatorTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<CoordinatorTelemetryOptions>, CoordinatorTelemetryOptionsValidator>();
        services.AddOptions<CoordinatorTelemetryOptions>().BindConfiguration(CoordinatorTelemetryOptions.SectionName).ValidateOnStart();
        services.AddSingleton<CoordinatorGauges>();
        services.AddPartagesTelemetry(new ServiceTelemetry
        {
            ServiceName = "partages-coordinator",
            ServiceVersion = typeof(CoordinatorTelemetry).Assembly.GetName().Version?.ToString(),
            SpanFile = provider => provider.GetRequiredService<IOptions<CoordinatorTelemetryOptions>>().Value.SpanFile,
            Tracing = tracing => tracing.AddSource(CoordinatorTelemetry.Name)
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !UntracedPaths.Contains(context.Request.Path.Value, StringComparer.OrdinalIgnoreCase)),
            Metrics = metrics => metrics.AddMeter(CoordinatorTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddInstrumentation(provider => provider.GetRequiredService<CoordinatorGauges>())
                .AddPrometheusExporter(),
        });
        return services;
    }

    /// <summary>
    /// <c>/metrics</c> in the Prometheus text format, on the same TLS port. It needs an API token of any role
    /// (<c>Authorization: Bearer</c>, as the evaluator API) unless <c>AllowAnonymousMetrics</c> is set.
    /// </summary>
    public static WebApplication MapCoordinatorTelemetry(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(RequireApiTokenAsync), optionsName: null);
        return app;
    }

    private static async Task RequireApiTokenAsync(HttpContext context, RequestDelegate next)
    {
        var services = context.RequestServices;
        if (services.GetRequiredService<IOptions<CoordinatorTelemetryOptions>>().Value.AllowAnonymousMetrics)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        const string scheme = "Bearer ";
        var header = context.Request.Headers.Authorization.ToString();
        var known = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && await IsKnownApiTokenAsync(services.GetRequiredService<IDbContextFactory<CoordinatorDbContext>>(), header[scheme.Length..], context.RequestAborted).ConfigureAwait(false);
        if (!known)
        {
            Log.MetricsRefused(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CoordinatorTelemetryExtensions)), header.Length == 0 ? "no bearer token" : "unknown token");
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await context.Response.WriteAsync("An API token is required: send 'Authorization: Bearer <token>' (any role).\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }

    /// <summary>Any role may read metrics: the token is looked up by its SHA-256, as the evaluator plane does.</summary>
    private static async Task<bool> IsKnownApiTokenAsync(IDbContextFactory<CoordinatorDbContext> dbFactory, string token, CancellationToken cancellationToken)
    {
        var trimmed = token.Trim();
        if (trimmed.Length == 0)
        {
            return false;
        }

        var hash = SecretTokens.Hash(trimmed);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.ApiTokens.AsNoTracking().AnyAsync(t => t.TokenSha256 == hash, cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(800, LogLevel.Warning, "Metrics scrape refused: {Why}.")]
        public static partial void MetricsRefused(ILogger logger, string why);
    }
}
