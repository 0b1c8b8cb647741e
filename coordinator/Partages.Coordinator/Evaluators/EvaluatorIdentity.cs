using Grpc.Core;
using Partages.Coordinator.Persistence;

namespace Partages.Coordinator.Evaluators;

/// <summary>Who is calling the evaluator API: the API token's name (the owner of what it submits) and role.</summary>
public sealed record EvaluatorIdentity(string Name, ApiRole Role)
{
    private const string UserStateKey = "partages.evaluator";

    /// <summary>The SHA-256 of the token the caller presented: what live streams check to end when it is revoked or replaced.</summary>
    public string TokenSha256 { get; init; } = "";

    /// <summary>Admins may do everything, evaluators submit and cancel their own work, viewers only read.</summary>
    public bool Has(ApiRole role) => Role >= role;

    internal void AttachTo(ServerCallContext context) => context.UserState[UserStateKey] = this;

    /// <summary>The identity the <see cref="ApiTokenInterceptor"/> attached to this call.</summary>
    public static EvaluatorIdentity Of(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.UserState.TryGetValue(UserStateKey, out var value) && value is EvaluatorIdentity identity
            ? identity
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "An API token is required."));
    }

    /// <summary>Throws PermissionDenied unless the caller's role is at least <paramref name="role"/>.</summary>
    public EvaluatorIdentity Require(ApiRole role, string action) =>
        Has(role)
            ? this
            : throw new RpcException(new Status(StatusCode.PermissionDenied, $"The {Role.ToString().ToLowerInvariant()} token '{Name}' may not {action}; it needs the {role.ToString().ToLowerInvariant()} role."));
}
