using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Partages.Coordinator.Evaluators;
using Partages.Coordinator.Pki;

namespace Partages.Coordinator.Auth;

/// <summary>Where <see cref="ApiTokenAuthenticationHandler"/> also looks for a token.</summary>
public sealed class ApiTokenAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>The dashboard's session cookie, read when the request carries no <c>Authorization</c> header; null to ignore cookies.</summary>
    public string? SessionCookie { get; set; }
}

/// <summary>
/// The one API-token check of the gRPC evaluator plane, the JSON API and the dashboard: <c>Authorization: Bearer
/// &lt;api token&gt;</c>, or else the dashboard's session cookie (which holds the token itself, so revoking the token
/// ends the session at the next request). The token is hashed and looked up on every request, never cached: a token
/// an <c>admin</c> command revoked in another process stops working at once. No token is "no result" (the endpoint's
/// <see cref="Refusal"/> says what to send); a malformed header or an unknown token is a failure with the reason.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<ApiTokenAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IDbContextFactory<CoordinatorDbContext> dbFactory) : AuthenticationHandler<ApiTokenAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    /// <summary>The claim holding the SHA-256 of the presented token: what live streams check to end when it is revoked or replaced.</summary>
    public const string TokenSha256Claim = "partages:api_token_sha256";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string token;
        var header = Request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        if (header.Length > 0)
        {
            if (!header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) || header.Length == bearer.Length)
            {
                return AuthenticateResult.Fail("The Authorization header must be 'Bearer <api token>'.");
            }

            token = header[bearer.Length..];
        }
        else if (Options.SessionCookie is { } cookieName && Request.Cookies.TryGetValue(cookieName, out var cookie) && !string.IsNullOrEmpty(cookie))
        {
            token = cookie;
        }
        else
        {
            return AuthenticateResult.NoResult();
        }

        var identity = await ResolveAsync(dbFactory, token, Context.RequestAborted).ConfigureAwait(false);
        return identity is null
            ? AuthenticateResult.Fail("The API token is not valid.")
            : AuthenticateResult.Success(new AuthenticationTicket(Principal(identity, Scheme.Name), Scheme.Name));
    }

    /// <summary>
    /// Who an API token belongs to, or null for an unknown token: the one lookup (by SHA-256) behind every surface,
    /// the dashboard's sign-in form included, so a token means the same thing everywhere.
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

    /// <summary>The caller as claims: its name, its role (what the policies ask for) and its token's hash.</summary>
    private static ClaimsPrincipal Principal(EvaluatorIdentity identity, string scheme) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, identity.Name),
                new Claim(ClaimTypes.Role, CoordinatorPolicies.RoleName(identity.Role)),
                new Claim(TokenSha256Claim, identity.TokenSha256),
            ],
            scheme));
}
