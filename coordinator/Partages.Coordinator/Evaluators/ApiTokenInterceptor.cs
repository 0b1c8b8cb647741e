using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.EntityFrameworkCore;
using Partages.Coordinator.Persistence;
using Partages.Coordinator.Pki;

namespace Partages.Coordinator.Evaluators;

/// <summary>
/// Authenticates every evaluator-plane call: <c>authorization: Bearer &lt;api token&gt;</c> is hashed and looked up.
/// A missing or unknown token is UNAUTHENTICATED; roles are checked by the service method itself.
/// </summary>
public sealed partial class ApiTokenInterceptor(IDbContextFactory<CoordinatorDbContext> dbFactory, ILogger<ApiTokenInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AuthenticateAsync(context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AuthenticateAsync(context).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AuthenticateAsync(context).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AuthenticateAsync(context).ConfigureAwait(false);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    private async Task AuthenticateAsync(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        const string scheme = "Bearer ";
        if (header is null || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || header.Length == scheme.Length)
        {
            Log.Refused(logger, context.Method, "no bearer token");
            throw new RpcException(new Status(StatusCode.Unauthenticated, "An API token is required: send 'authorization: Bearer <token>'."));
        }

        var identity = await ResolveAsync(dbFactory, header[scheme.Length..], context.CancellationToken).ConfigureAwait(false);
        if (identity is null)
        {
            Log.Refused(logger, context.Method, "unknown token");
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The API token is not valid."));
        }

        identity.AttachTo(context);
    }

    /// <summary>
    /// Who an API token belongs to, or null for an unknown token: the one lookup (by SHA-256) shared by the gRPC
    /// evaluator plane, the JSON API and the dashboard, so a token means the same thing everywhere.
    /// </summary>
    public static async Task<EvaluatorIdentity?> ResolveAsync(IDbContextFactory<CoordinatorDbContext> dbFactory, string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dbFactory);
        ArgumentNullException.ThrowIfNull(token);
        var trimmed = token.Trim();
        if (trimmed.Length == 0)
        {
            return null;
        }

        var hash = SecretTokens.Hash(trimmed);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var entity = await db.ApiTokens.AsNoTracking().SingleOrDefaultAsync(t => t.TokenSha256 == hash, cancellationToken).ConfigureAwait(false);
        return entity is null ? null : new EvaluatorIdentity(entity.Name, entity.Role) { TokenSha256 = hash };
    }

    private static partial class Log
    {
        [LoggerMessage(700, LogLevel.Warning, "Evaluator call {Method} refused: {Why}.")]
        public static partial void Refused(ILogger logger, string method, string why);
    }
}
