using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Partages.Coordinator.Api;
using Partages.Coordinator.Auth;

namespace Partages.Coordinator.Hosting;

/// <summary>
/// Where a transient database failure (<see cref="TransientDatabaseFailures"/>) is turned into an answer the caller
/// retries: outside the gRPC methods (certificate and token authentication read the database before any method runs)
/// by <see cref="Middleware"/>, inside them by <see cref="Interceptor"/>. Without them the first is an HTTP 500 and the
/// second <c>UNKNOWN</c>.
/// </summary>
public static partial class TransientDatabaseAnswers
{
    /// <summary>Before authentication, so the node plane's certificate check and the API's token check are covered.</summary>
    public static IApplicationBuilder UseTransientDatabaseAnswers(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TransientDatabaseAnswers));
        return app.Use(async (context, next) =>
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (Exception ex) when (TransientDatabaseFailures.IsTransient(ex) && !context.Response.HasStarted)
            {
                Log.Refused(logger, context.Request.Path, TransientDatabaseFailures.Describe(ex));
                await WriteAsync(context, ex).ConfigureAwait(false);
            }
        });
    }

    private static Task WriteAsync(HttpContext context, Exception exception)
    {
        var response = context.Response;
        response.Clear();
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            var status = TransientDatabaseFailures.Status(exception);
            GrpcRefusalAttribute.WriteTrailersOnly(context, StatusCode.Unavailable, status.Message);
            // Base64 without padding, as grpc-dotnet writes binary metadata.
            response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray()).TrimEnd('=');
            return Task.CompletedTask;
        }

        response.Headers.RetryAfter = TransientDatabaseFailures.RetryAfter.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
        return ApiJson.Error(StatusCodes.Status503ServiceUnavailable, "unavailable", TransientDatabaseFailures.Message(exception)).ExecuteAsync(context);
    }

    /// <summary>A gRPC method that met a transient database failure ends with UNAVAILABLE and the retry delay, not UNKNOWN.</summary>
    public sealed class Interceptor(ILogger<Interceptor> logger) : Grpc.Core.Interceptors.Interceptor
    {
        public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            ArgumentNullException.ThrowIfNull(continuation);
            try
            {
                return await continuation(request, context).ConfigureAwait(false);
            }
            catch (Exception ex) when (TransientDatabaseFailures.IsTransient(ex))
            {
                throw Refuse(context, ex);
            }
        }

        public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
        {
            ArgumentNullException.ThrowIfNull(continuation);
            try
            {
                return await continuation(requestStream, context).ConfigureAwait(false);
            }
            catch (Exception ex) when (TransientDatabaseFailures.IsTransient(ex))
            {
                throw Refuse(context, ex);
            }
        }

        public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
        {
            ArgumentNullException.ThrowIfNull(continuation);
            try
            {
                await continuation(request, responseStream, context).ConfigureAwait(false);
            }
            catch (Exception ex) when (TransientDatabaseFailures.IsTransient(ex))
            {
                throw Refuse(context, ex);
            }
        }

        public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
        {
            ArgumentNullException.ThrowIfNull(continuation);
            try
            {
                await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            }
            catch (Exception ex) when (TransientDatabaseFailures.IsTransient(ex))
            {
                throw Refuse(context, ex);
            }
        }

        private RpcException Refuse(ServerCallContext context, Exception exception)
        {
            Log.Refused(logger, context.Method, TransientDatabaseFailures.Describe(exception));
            return TransientDatabaseFailures.Status(exception).ToRpcException();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1900, LogLevel.Warning, "Call {Path} answered UNAVAILABLE (retry later): the database failed transiently: {Why}")]
        public static partial void Refused(ILogger logger, string path, string why);
    }
}
