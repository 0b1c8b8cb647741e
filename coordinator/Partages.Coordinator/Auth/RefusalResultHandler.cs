using System.Security.Claims;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Partages.Coordinator.Auth;

/// <summary>
/// Answers a refused request the way its endpoint's <see cref="Refusal"/> says, with the reason the authentication
/// handler gave (an unknown token, a revoked node) or the role the policy needed; endpoints without one get ASP.NET
/// Core's default answer.
/// </summary>
public sealed partial class RefusalResultHandler(ILogger<RefusalResultHandler> logger) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Succeeded || context.GetEndpoint()?.Metadata.GetMetadata<Refusal>() is not { } refusal)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
            return;
        }

        if (authorizeResult.Forbidden)
        {
            var problem = Forbidden(context, authorizeResult.AuthorizationFailure);
            Log.Refused(logger, context.Request.Path, "forbidden", problem);
            await refusal.ForbiddenAsync(context, problem).ConfigureAwait(false);
            return;
        }

        var failure = await FailureAsync(context, policy).ConfigureAwait(false);
        if (failure is null)
        {
            // A browser opening the dashboard before signing in, a client probing: expected, not a warning.
            Log.NoCredentials(logger, context.Request.Path);
        }
        else
        {
            Log.Refused(logger, context.Request.Path, "unauthenticated", failure);
        }

        await refusal.UnauthenticatedAsync(context, failure).ConfigureAwait(false);
    }

    /// <summary>Why the policy's schemes did not authenticate the caller (their results are cached per request), or null when nothing was presented.</summary>
    private static async Task<string?> FailureAsync(HttpContext context, AuthorizationPolicy policy)
    {
        foreach (var scheme in policy.AuthenticationSchemes)
        {
            var result = await context.AuthenticateAsync(scheme).ConfigureAwait(false);
            if (result.Failure is { } failure)
            {
                return failure.Message;
            }
        }

        return null;
    }

    /// <summary>"The viewer token 'wall' may not call SubmitEvaluation; it needs the evaluator role."</summary>
    private static string Forbidden(HttpContext context, AuthorizationFailure? failure)
    {
        var user = context.User;
        var role = user.FindFirst(ClaimTypes.Role)?.Value ?? "unknown";
        var what = context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.Name ?? context.Request.Path.ToString();
        var needed = failure?.FailedRequirements.OfType<RolesAuthorizationRequirement>().FirstOrDefault()?.AllowedRoles.FirstOrDefault();
        return needed is null
            ? $"The {role} token '{user.Identity?.Name}' may not call {what}."
            : $"The {role} token '{user.Identity?.Name}' may not call {what}; it needs the {needed} role.";
    }

    private static partial class Log
    {
        [LoggerMessage(700, LogLevel.Warning, "Call {Path} refused ({Answer}): {Why}")]
        public static partial void Refused(ILogger logger, string path, string answer, string why);

        [LoggerMessage(701, LogLevel.Information, "Call {Path} refused: no credentials.")]
        public static partial void NoCredentials(ILogger logger, string path);
    }
}
