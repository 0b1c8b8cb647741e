namespace Partages.Gateway;

/// <summary>
/// The node plane does not pass through the gateway: a node authenticates with its client certificate, and a proxy
/// that terminates TLS would end that mutual TLS here (docs/deployment.md, "Gateway"). Node and enrollment calls
/// are answered with gRPC <c>UNIMPLEMENTED</c> naming where to connect instead, never forwarded without the certificate.
/// </summary>
public static partial class NodePlane
{
    public static readonly string[] Services = ["partages.v1.NodeService", "partages.v1.EnrollmentService"];

    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(NodePlane));
        foreach (var service in Services)
        {
            app.Map($"/{service}/{{**method}}", (HttpContext context) =>
            {
                Log.Refused(logger, context.Request.Path, context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
                // A trailers-only gRPC response: the status travels in the headers, there is no body.
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "application/grpc";
                context.Response.Headers["grpc-status"] = "12";
                context.Response.Headers["grpc-message"] = Uri.EscapeDataString(
                    $"{service} is not served by the gateway: nodes connect to the coordinator replicas directly (layer-4 balancing or DNS), with their client certificate end to end.");
                return Task.CompletedTask;
            });
        }
    }

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Warning, "Node-plane call {Path} from {Client} refused: nodes connect to the replicas, not to the gateway.")]
        public static partial void Refused(ILogger logger, string path, string client);
    }
}
