using Microsoft.AspNetCore.Server.Kestrel.Core;
using Yarp.ReverseProxy;

namespace Partages.Gateway;

/// <summary>
/// The gateway's server: one HTTPS port (HTTP/1.1 and HTTP/2 by ALPN) forwarding the evaluator gRPC, dashboard and JSON
/// API plane to the coordinator replicas (<see cref="ReplicaProxy"/>); the node plane is refused here
/// (<see cref="NodePlane"/>), and <c>/healthz</c>, <c>/readyz</c> are the gateway's own.
/// </summary>
public static partial class GatewayHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            if (Build(args, out var errors) is not { } built)
            {
                await Console.Error.WriteLineAsync("error: invalid settings:").ConfigureAwait(false);
                foreach (var error in errors)
                {
                    await Console.Error.WriteLineAsync("  " + error).ConfigureAwait(false);
                }

                return 2;
            }

            app = built;
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync("error: invalid arguments: " + ex.Message).ConfigureAwait(false);
            return 2;
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.RunAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException)
            {
                // Port in use, an address that cannot be bound...: one line, not a stack trace.
                await Console.Error.WriteLineAsync($"error: the gateway could not start: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        }

        return 0;
    }

    /// <summary>The server, or null with every settings error (section <c>Gateway</c>; <c>--urls</c> also sets Gateway:Urls).</summary>
    public static WebApplication? Build(string[] args, out IReadOnlyList<string> errors)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(GatewayHost).Assembly.GetName().Name,
        });
        var options = new GatewayOptions();
        builder.Configuration.GetSection(GatewayOptions.SectionName).Bind(options);
        if (builder.Configuration["urls"] is { Length: > 0 } urls)
        {
            options.Urls = urls;
        }

        if (GatewayOptionsValidator.Validate(options, out errors) is not { } settings)
        {
            return null;
        }

        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = settings.ServerCertificate));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http1AndHttp2));
        builder.Services.AddReplicaProxy(settings);

        var app = builder.Build();
        Log.Forwarding(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayHost)), settings.Replicas.Count, string.Join(", ", settings.Replicas));
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        app.MapGet("/readyz", (IProxyStateLookup state) =>
        {
            var (available, total) = ReplicaProxy.Availability(state);
            var text = $"{available} of {total} replica(s) available";
            return available > 0 ? Results.Text(text) : Results.Text(text, statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        NodePlane.Map(app);
        app.MapReverseProxy(proxy =>
        {
            proxy.Use(ReplicaLoss.InvokeAsync);   // outermost: sees YARP's outcome, after the passive health check counted it
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Forwarding the evaluator, dashboard and API plane to {Count} replica(s): {Replicas}.")]
        public static partial void Forwarding(ILogger logger, int count, string replicas);
    }
}
