using Microsoft.AspNetCore.Authorization;
using Partages.Coordinator.Api;
using Partages.Coordinator.Hosting;

namespace Partages.Coordinator.Auth;

/// <summary>
/// The named authorization policies, one per kind of caller the coordinator knows. Endpoints name the policy they
/// need (<c>[Authorize(Policy = ...)]</c> on gRPC services and methods, <c>RequireAuthorization(...)</c> on endpoint
/// groups) instead of checking roles in their bodies. API-token roles are ordered: an admin may do what an evaluator
/// may, an evaluator what a viewer may. Whose evaluations a caller sees or cancels is not a policy but a rule on the
/// evaluation itself (<see cref="Evaluators.EvaluationAccess"/>).
/// </summary>
public static class CoordinatorPolicies
{
    /// <summary>Any API token: read evaluations and nodes (gRPC, JSON API, dashboard).</summary>
    public const string Viewer = "viewer";

    /// <summary>An evaluator or admin token: upload bundles, submit and cancel evaluations.</summary>
    public const string Evaluator = "evaluator";

    /// <summary>An enrolled, non-revoked node, by its client certificate (<see cref="NodeCertificates"/>).</summary>
    public const string Node = "node";

    /// <summary>The role's name as the claims and the messages spell it.</summary>
    public static string RoleName(ApiRole role) => role.ToString().ToLowerInvariant();

    /// <summary>API-token authentication, node-certificate authentication, the policies and how refusals are answered.</summary>
    public static IServiceCollection AddCoordinatorAuth(this IServiceCollection services)
    {
        services.AddAuthentication()
            .AddScheme<ApiTokenAuthenticationOptions, ApiTokenAuthenticationHandler>(
                ApiTokenAuthenticationHandler.SchemeName, options => options.SessionCookie = ApiAuthentication.SessionCookie)
            .AddNodeCertificates();
        services.AddAuthorizationBuilder()
            .AddPolicy(Viewer, policy => RequireRole(policy, ApiRole.Viewer))
            .AddPolicy(Evaluator, policy => RequireRole(policy, ApiRole.Evaluator))
            .AddPolicy(Node, policy => policy
                .AddAuthenticationSchemes(NodeCertificates.SchemeName)
                .RequireClaim(NodeCertificates.NodeIdClaim));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, RefusalResultHandler>();
        return services;
    }

    /// <summary>Authentication and authorization, after routing (implicit) and before the endpoints.</summary>
    public static WebApplication UseCoordinatorAuth(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // A database refusing connections (too many clients, restarting) is answered UNAVAILABLE with a retry delay.
        app.UseTransientDatabaseAnswers();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>The least role first: it is the one a refusal names as needed.</summary>
    private static void RequireRole(AuthorizationPolicyBuilder policy, ApiRole least) =>
        policy.AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName)
            .RequireRole(Enum.GetValues<ApiRole>().Where(role => role >= least).OrderBy(role => role).Select(RoleName));
}
