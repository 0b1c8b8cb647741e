using Partages.Coordinator.Api;
using Partages.Coordinator.Auth;
using Partages.Coordinator.Dashboard;
using Partages.Coordinator.Evaluators;
using Partages.Coordinator.Hosting;
using Partages.Coordinator.Telemetry;

// `serve` (the default command) runs the server built below; `admin ...` works directly on the data dir.
return await CoordinatorCommandLine.RunAsync(args).ConfigureAwait(false);

/// <summary>The coordinator, part by part.</summary>
public partial class Program
{
    /// <summary>Builds the server from command-line style arguments (<c>--Coordinator:DataDir=...</c>); tests adjust services through <paramref name="configure"/>.</summary>
    public static WebApplication BuildServer(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(Program).Assembly.GetName().Name,
        });
        var options = builder.AddCoordinatorOptions();      // Hosting/: section "Coordinator", every error listed
        builder.ConfigureCoordinatorKestrel(options);       // Hosting/: one TLS port, client certs from our CA only
        builder.Services
            .AddCoordinatorPersistence(options)             // Persistence/: <data-dir>/coordinator.db
            .AddCoordinatorPki()                            // Pki/: CA, server certificate, CSR signing
            .AddCoordinatorGrpc(options)                    // Enrollment/, Sessions/, Evaluators/: gRPC services
            .AddCoordinatorAuth()                           // Auth/: API tokens, node certificates, named policies
            .AddNodeSessions()                              // Sessions/: connected nodes
            .AddScheduling()                                // Scheduling/ + Results/: runs, leases, pooling
            .AddArtifacts()                                 // Artifacts/: content-addressed store
            .AddCoordinatorHealth()                         // /healthz, /readyz
            .AddCoordinatorTelemetry()                      // Telemetry/: OpenTelemetry traces, metrics, exporters
            .AddWebSecurity(options)                        // Hosting/: HSTS, sign-in rate limit
            .AddApiTokenWatch()                             // Evaluators/: live streams end when their API token goes
            .AddCoordinatorApi()                            // Api/: JSON over HTTP under /api/v1 (API tokens)
            .AddDashboard();                                // Dashboard/: the browser dashboard under /dashboard
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseWebSecurity();                               // Hosting/: HSTS header, sign-in rate limiting
        app.UseCoordinatorAuth();                           // Auth/: authentication, then each endpoint's policy
        app.MapCoordinatorEndpoints();
        app.MapCoordinatorTelemetry();                      // Telemetry/: /metrics (Prometheus)
        app.MapCoordinatorApi();                            // Api/: /api/v1/nodes, /api/v1/evaluations[/{id}[/events]]
        app.MapDashboard();                                 // Dashboard/: /dashboard (login, nodes, evaluations, results)
        return app;
    }
}
