using Partages.Coordinator.Auth;
using Partages.Coordinator.Evaluators;

namespace Partages.Coordinator.Api;

/// <summary>
/// The dashboard's session cookie and the caller of a JSON API or dashboard request. Both are authenticated by
/// <see cref="ApiTokenAuthenticationHandler"/> (a bearer token, or else this cookie) and authorized by the
/// <see cref="CoordinatorPolicies.Viewer"/> policy: every role may read; nothing here writes.
/// </summary>
public static class ApiAuthentication
{
    /// <summary>
    /// The dashboard's session cookie. The <c>__Host-</c> prefix makes the browser insist on Secure, Path=/ and no
    /// Domain. It holds the API token itself, so revoking the token ends the session at the next request.
    /// </summary>
    public const string SessionCookie = "__Host-partages_session";

    public static CookieOptions SessionCookieOptions => new()
    {
        HttpOnly = true,
        Secure = true,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        IsEssential = true,
    };

    /// <summary>The identity the API-token policy authenticated for this request.</summary>
    public static EvaluatorIdentity Caller(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return EvaluatorIdentity.Of(context.User);
    }
}
