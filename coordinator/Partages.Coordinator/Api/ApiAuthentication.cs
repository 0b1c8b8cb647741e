using Microsoft.EntityFrameworkCore;
using Partages.Coordinator.Evaluators;
using Partages.Coordinator.Persistence;

namespace Partages.Coordinator.Api;

/// <summary>
/// Who is calling the JSON API or the dashboard: an API token from <c>Authorization: Bearer</c>, or else from the
/// dashboard's session cookie, checked with the same lookup as the gRPC evaluator plane
/// (<see cref="ApiTokenInterceptor.ResolveAsync"/>). Every role may read; nothing here writes.
/// </summary>
public static partial class ApiAuthentication
{
    /// <summary>
    /// The dashboard's session cookie. The <c>__Host-</c> prefix makes the browser insist on Secure, Path=/ and no
    /// Domain. It holds the API token itself, so revoking the token ends the session at the next request.
    /// </summary>
    public const string SessionCookie = "__Host-partages_session";

    private const string ItemKey = "partages.api_identity";

    public static CookieOptions SessionCookieOptions => new()
    {
        HttpOnly = true,
        Secure = true,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        IsEssential = true,
    };

    /// <summary>The caller's identity, or null with why in <paramref name="problem"/>.</summary>
    public static async Task<(EvaluatorIdentity? Identity, string Problem)> AuthenticateAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        string token;
        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (header.Length > 0)
        {
            if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || header.Length == scheme.Length)
            {
                return (null, "The Authorization header must be 'Bearer <api token>'.");
            }

            token = header[scheme.Length..];
        }
        else if (context.Request.Cookies.TryGetValue(SessionCookie, out var cookie) && !string.IsNullOrEmpty(cookie))
        {
            token = cookie;
        }
        else
        {
            return (null, "An API token is required: send 'Authorization: Bearer <token>' or log in to the dashboard.");
        }

        var dbFactory = context.RequestServices.GetRequiredService<IDbContextFactory<CoordinatorDbContext>>();
        var identity = await ApiTokenInterceptor.ResolveAsync(dbFactory, token, context.RequestAborted).ConfigureAwait(false);
        if (identity is null)
        {
            return (null, "The API token is not valid.");
        }

        context.Items[ItemKey] = identity;
        return (identity, "");
    }

    /// <summary>The identity an earlier filter authenticated for this request.</summary>
    public static EvaluatorIdentity Caller(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(ItemKey, out var value) && value is EvaluatorIdentity identity
            ? identity
            : throw new InvalidOperationException("The request was not authenticated by the API filter.");
    }

    /// <summary>Refuses the API call with 401 and a JSON body unless it carries a valid token.</summary>
    internal sealed partial class RequireToken(ILogger<RequireToken> logger) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            ArgumentNullException.ThrowIfNull(context);
            ArgumentNullException.ThrowIfNull(next);
            var http = context.HttpContext;
            var (identity, problem) = await AuthenticateAsync(http).ConfigureAwait(false);
            if (identity is null)
            {
                Log.Refused(logger, http.Request.Path, problem);
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return ApiJson.Error(StatusCodes.Status401Unauthorized, "unauthenticated", problem);
            }

            return await next(context).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1100, LogLevel.Warning, "API call {Path} refused: {Why}")]
        public static partial void Refused(ILogger logger, string path, string why);
    }
}
