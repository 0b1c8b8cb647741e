using System.Security.Claims;
using Grpc.Core;
using Partages.Coordinator.Auth;

namespace Partages.Coordinator.Evaluators;

/// <summary>
/// Who is calling the evaluator API: the API token's name (the owner of what it submits) and role. What each role may
/// call is a policy (<see cref="CoordinatorPolicies"/>); whose evaluations it sees, <see cref="EvaluationAccess"/>.
/// </summary>
public sealed record EvaluatorIdentity(string Name, ApiRole Role)
{
    /// <summary>The SHA-256 of the token the caller presented: what live streams check to end when it is revoked or replaced.</summary>
    public string TokenSha256 { get; init; } = "";

    /// <summary>The caller <see cref="ApiTokenAuthenticationHandler"/> authenticated for this gRPC call.</summary>
    public static EvaluatorIdentity Of(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Of(context.GetHttpContext().User);
    }

    /// <summary>The caller <see cref="ApiTokenAuthenticationHandler"/> authenticated, from its claims.</summary>
    public static EvaluatorIdentity Of(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identity is { IsAuthenticated: true, AuthenticationType: ApiTokenAuthenticationHandler.SchemeName, Name: { } name }
            && Enum.TryParse<ApiRole>(user.FindFirst(ClaimTypes.Role)?.Value, ignoreCase: true, out var role)
            ? new EvaluatorIdentity(name, role) { TokenSha256 = user.FindFirst(ApiTokenAuthenticationHandler.TokenSha256Claim)?.Value ?? "" }
            : throw new InvalidOperationException("The request was not authorized by an API-token policy.");
    }
}
