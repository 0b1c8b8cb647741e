using System.Globalization;
using System.Text;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Partages.Coordinator.Api;

namespace Partages.Coordinator.Auth;

/// <summary>
/// How an endpoint answers a caller its policy turned away, as endpoint metadata: gRPC services answer with a gRPC
/// status (<see cref="GrpcRefusalAttribute"/>), the JSON API with a JSON error (<see cref="JsonRefusal"/>), the
/// dashboard with its login page. <see cref="RefusalResultHandler"/> finds it and gives it the reason.
/// </summary>
public abstract class Refusal : Attribute
{
    /// <summary>No valid credentials: <paramref name="problem"/> is why, or null when none were presented.</summary>
    public abstract Task UnauthenticatedAsync(HttpContext context, string? problem);

    /// <summary>Valid credentials that may not do this.</summary>
    public abstract Task ForbiddenAsync(HttpContext context, string problem);
}

/// <summary>
/// A gRPC service's refusal: UNAUTHENTICATED or PERMISSION_DENIED with the reason as the status detail, sent as a
/// trailers-only response (what grpc-dotnet itself sends for a call that fails before any message).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class GrpcRefusalAttribute(string missingCredentials) : Refusal
{
    /// <summary>What a caller that presented nothing is told it needs.</summary>
    public string MissingCredentials { get; } = missingCredentials;

    public override Task UnauthenticatedAsync(HttpContext context, string? problem) => WriteAsync(context, StatusCode.Unauthenticated, problem ?? MissingCredentials);

    public override Task ForbiddenAsync(HttpContext context, string problem) => WriteAsync(context, StatusCode.PermissionDenied, problem);

    private static Task WriteAsync(HttpContext context, StatusCode code, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(detail);
        return Task.CompletedTask;
    }

    /// <summary>The gRPC spec's encoding of grpc-message: printable ASCII except '%' as is, every other UTF-8 byte as %XX.</summary>
    internal static string PercentEncode(string text)
    {
        var encoded = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            _ = b is >= 0x20 and <= 0x7E and not (byte)'%' ? encoded.Append((char)b) : encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return encoded.ToString();
    }
}

/// <summary>The JSON API's refusal: 401 with <c>WWW-Authenticate: Bearer</c>, or 403, and the usual JSON error body.</summary>
public sealed class JsonRefusal : Refusal
{
    public const string MissingCredentials = "An API token is required: send 'Authorization: Bearer <token>' or log in to the dashboard.";

    public override Task UnauthenticatedAsync(HttpContext context, string? problem)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiJson.Error(StatusCodes.Status401Unauthorized, "unauthenticated", problem ?? MissingCredentials).ExecuteAsync(context);
    }

    public override Task ForbiddenAsync(HttpContext context, string problem) =>
        ApiJson.Error(StatusCodes.Status403Forbidden, "permission_denied", problem).ExecuteAsync(context);
}

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
        Log.Refused(logger, context.Request.Path, "unauthenticated", failure ?? "no credentials");
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
        var role = user.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value ?? "unknown";
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
    }
}
