using EnrollmentService = Partages.Coordinator.Enrollment.EnrollmentService;
using EvaluationService = Partages.Coordinator.Evaluators.EvaluationService;
using NodeService = Partages.Coordinator.Sessions.NodeService;
using System.Security.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using Partages.Coordinator.Enrollment;
using Partages.Coordinator.Evaluators;
using Partages.Coordinator.Pki;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Hosting;

/// <summary>Options, the TLS endpoint and the endpoint map: the parts of Program.cs that are about hosting.</summary>
public static class CoordinatorHostingExtensions
{
    /// <summary>
    /// Binds section <c>Coordinator</c> and validates it now, listing every error at once
    /// (<see cref="OptionsValidationException"/>), since the data dir and the URL are needed to build the host.
    /// </summary>
    public static CoordinatorOptions AddCoordinatorOptions(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(CoordinatorOptions.SectionName);
        var options = new CoordinatorOptions();
        section.Bind(options);
        var errors = CoordinatorOptionsValidator.Collect(options);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(CoordinatorOptions), errors);
        }

        options.DataDir = Path.GetFullPath(options.DataDir);
        // Before anything writes in it (the CA is created when Kestrel starts, before the database initializer runs).
        Persistence.DataDirectory.Secure(options.DataDir, createDatabaseFile: Persistence.DatabaseOptions.ParseProvider(options.Database.Provider) == Persistence.DatabaseProvider.Sqlite);
        builder.Services.AddSingleton<IValidateOptions<CoordinatorOptions>, CoordinatorOptionsValidator>();
        builder.Services.AddOptions<CoordinatorOptions>().Bind(section)
            .PostConfigure(o => o.DataDir = options.DataDir)
            .ValidateOnStart();
        return options;
    }

    /// <summary>
    /// One HTTPS endpoint (HTTP/1.1 and HTTP/2 through ALPN) with the server certificate from <c>pki/server.pfx</c>.
    /// Client certificates are optional at TLS level, but one that does not chain to the coordinator's CA fails the handshake.
    /// </summary>
    public static WebApplicationBuilder ConfigureCoordinatorKestrel(this WebApplicationBuilder builder, CoordinatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http1AndHttp2);
            kestrel.ConfigureHttpsDefaults(https =>
            {
                var tls = kestrel.ApplicationServices.GetRequiredService<ServerTls>();
                https.ServerCertificate = tls.ServerCertificate;
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.ClientCertificateValidation = tls.ValidateClientCertificate;
                https.CheckCertificateRevocation = false;
            });
        });
        return builder;
    }

    /// <summary>Where the coordinator publishes its CA certificate (PEM) for nodes about to enroll.</summary>
    public const string CaDiscoveryPath = "/.well-known/partages/ca.crt";

    /// <summary>The gRPC services, reflection, the health endpoints and the CA certificate.</summary>
    public static WebApplication MapCoordinatorEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<EnrollmentService>();
        app.MapGrpcService<NodeService>();
        app.MapGrpcService<SecureAggregation.SecureSumService>();
        app.MapGrpcService<EvaluationService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        // The CA certificate is public. A node fetches it before enrolling and checks it against the pin printed
        // with its token, so the one-time token is only ever sent to a server holding a certificate from that CA
        // (.NET never sends a self-signed root in the TLS handshake, so the pin cannot be checked there).
        app.MapGet(CaDiscoveryPath, (CertificateAuthority ca) => TypedResults.Text(ca.CertificatePem + "\n", "application/x-pem-file"));
        app.MapGet("/", () => $"Partages coordinator: gRPC (partages.v1.EnrollmentService, NodeService, EvaluationService), /healthz, /readyz, {CaDiscoveryPath}.");
        return app;
    }
}
