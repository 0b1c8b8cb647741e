using Partages.Coordinator.ReadModel;
using System.Collections.Frozen;
using Partages.Coordinator.Api;
using Partages.Coordinator.Auth;
using Partages.Coordinator.Dashboard.Live;
using Partages.Coordinator.Dashboard.Pages;
using Partages.Coordinator.Evaluators;

namespace Partages.Coordinator.Dashboard;

/// <summary>
/// The dashboard, served by the coordinator on its TLS port under <c>/dashboard</c>: server-rendered HTML, the
/// project's own CSS and JS (embedded in the assembly, nothing fetched from elsewhere, so it works air-gapped), and a
/// login that turns a pasted API token into an HttpOnly, Secure, SameSite=Strict cookie.
/// </summary>
public static partial class DashboardEndpoints
{
    public const string Root = "/dashboard";

    // The pages load only their own origin's files: no inline script, no third party, no framing.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static string AssetPath(string name) => $"{Root}/assets/{name}";

    public static string EvaluationPath(string id) => $"{Root}/evaluations/{Uri.EscapeDataString(id)}";

    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddSingleton<DashboardAssets>();
        return services;
    }

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var dashboard = endpoints.MapGroup(Root).AddEndpointFilter<SecurityHeaders>();

        dashboard.MapGet("/assets/{name}", (string name, DashboardAssets assets, HttpContext context) => assets.Serve(name, context));
        dashboard.MapGet("/login", (string? return_url) => Page(LoginPage.Render(SafeReturn(return_url), null)));
        // Each attempt costs a token lookup and tells a guesser yes or no: limited per client address (Hosting/WebSecurity).
        dashboard.MapPost("/login", LoginAsync).RequireRateLimiting(Hosting.WebSecurity.LoginPolicy);
        dashboard.MapPost("/logout", Logout);

        // Any API token may look (the viewer policy); without one the browser is sent to the login page.
        var pages = dashboard.MapGroup("").RequireAuthorization(CoordinatorPolicies.Viewer).WithMetadata(new LoginRedirect());
        // "/dashboard" and "/dashboard/" are one route to the router.
        pages.MapGet("/", () => TypedResults.Redirect(Root + "/nodes"));
        pages.MapGet("/nodes", async (CoordinatorReadModel model, TimeProvider time, HttpContext context, CancellationToken ct) =>
            Page(NodesPage.Render(await model.NodesAsync(ct).ConfigureAwait(false), time.GetUtcNow(), ApiAuthentication.Caller(context))));
        pages.MapGet("/evaluations", async (string? state, CoordinatorReadModel model, TimeProvider time, HttpContext context, CancellationToken ct) =>
        {
            var valid = CoordinatorReadModel.TryParseState(state, out var status);
            var evaluations = await model.EvaluationsAsync(ApiAuthentication.Caller(context), valid ? status : null, CoordinatorReadModel.DefaultListLimit, ct).ConfigureAwait(false);
            return Page(EvaluationsPage.Render(evaluations, valid ? state?.Trim().ToLowerInvariant() : null, time.GetUtcNow(), ApiAuthentication.Caller(context)));
        });
        pages.MapGet("/evaluations/{id}", async (string id, CoordinatorReadModel model, TimeProvider time, HttpContext context, CancellationToken ct) =>
            await model.EvaluationAsync(ApiAuthentication.Caller(context), id, ct).ConfigureAwait(false) is { } evaluation
                ? Page(EvaluationPage.Render(evaluation, time.GetUtcNow(), ApiAuthentication.Caller(context)))
                : Page(NotFoundPage(id, ApiAuthentication.Caller(context)), StatusCodes.Status404NotFound));
        // The list pages' live regions (server-sent events); "/evaluations/live" is a literal, so it wins over "{id}".
        pages.MapLiveRegions();
        return endpoints;
    }

    private static async Task<IResult> LoginAsync(HttpContext context, ILogger<DashboardAssets> logger)
    {
        if (!SameOrigin(context.Request))
        {
            return Page(LoginPage.Render(Root + "/nodes", "This sign-in did not come from the dashboard's own page."), StatusCodes.Status403Forbidden);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var returnUrl = SafeReturn(form["return_url"]);
        var token = form["token"].ToString().Trim();
        var dbFactory = context.RequestServices.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Persistence.CoordinatorDbContext>>();
        var identity = token.Length == 0 ? null : await ApiTokenAuthenticationHandler.ResolveAsync(dbFactory, token, context.RequestAborted).ConfigureAwait(false);
        if (identity is null)
        {
            Log.LoginRefused(logger);
            return Page(LoginPage.Render(returnUrl, "That token is not valid. Check it was copied whole, or ask an administrator for a new one."), StatusCodes.Status401Unauthorized);
        }

        context.Response.Cookies.Append(ApiAuthentication.SessionCookie, token, ApiAuthentication.SessionCookieOptions);
        Log.LoggedIn(logger, identity.Name, identity.Role.ToString().ToLowerInvariant());
        return TypedResults.Redirect(returnUrl);
    }

    private static IResult Logout(HttpContext context)
    {
        if (!SameOrigin(context.Request))
        {
            return TypedResults.StatusCode(StatusCodes.Status403Forbidden);
        }

        context.Response.Cookies.Delete(ApiAuthentication.SessionCookie, ApiAuthentication.SessionCookieOptions);
        return TypedResults.Redirect(Root + "/login");
    }

    /// <summary>
    /// A form post must come from the dashboard itself: the browser's Sec-Fetch-Site / Origin say where it came
    /// from (besides the SameSite=Strict cookie), so another site cannot log a wall screen in or out.
    /// </summary>
    private static bool SameOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return site is "same-origin" or "none";
        }

        // Older browsers send Origin only; clients that are not browsers (curl) send neither and carry no ambient cookie risk.
        var origin = request.Headers.Origin.ToString();
        return origin.Length == 0
            || (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Only paths inside the dashboard: a login link cannot send the browser elsewhere.</summary>
    private static string SafeReturn(string? returnUrl) =>
        returnUrl is { Length: > 0 } r && r.StartsWith(Root + "/", StringComparison.Ordinal) && !r.StartsWith("//", StringComparison.Ordinal) && !r.Contains('\\', StringComparison.Ordinal)
            ? r
            : Root + "/nodes";

    private static IResult Page(string html, int status = StatusCodes.Status200OK) =>
        TypedResults.Content(html, "text/html; charset=utf-8", statusCode: status);

    private static string NotFoundPage(string id, EvaluatorIdentity caller)
    {
        var html = new Html();
        html.Element("h1", "Evaluation not found")
            .Open("p").Text($"There is no evaluation “{id}”. ").Element("a", "Back to the evaluations", ("href", Root + "/evaluations")).Close("p");
        return Layout.Page("Not found", Layout.Section.Evaluations, caller, html.ToString());
    }

    /// <summary>
    /// The pages' refusal: the browser goes to the login page, and comes back where it was once signed in. A session
    /// cookie whose token was revoked is forgotten on the way.
    /// </summary>
    internal sealed class LoginRedirect : Refusal
    {
        public override Task UnauthenticatedAsync(HttpContext context, string? problem)
        {
            ArgumentNullException.ThrowIfNull(context);
            // Authorization answers before the group's filters run: the redirect carries the pages' headers all the same.
            SecurityHeaders.Apply(context);
            if (context.Request.Cookies.ContainsKey(ApiAuthentication.SessionCookie))
            {
                context.Response.Cookies.Delete(ApiAuthentication.SessionCookie, ApiAuthentication.SessionCookieOptions);
            }

            var back = context.Request.Path + context.Request.QueryString;
            return TypedResults.Redirect($"{Root}/login?return_url={Uri.EscapeDataString(back)}").ExecuteAsync(context);
        }

        public override Task ForbiddenAsync(HttpContext context, string problem)
        {
            ArgumentNullException.ThrowIfNull(context);
            SecurityHeaders.Apply(context);
            return TypedResults.Text(problem, statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
        }
    }

    /// <summary>Headers every dashboard answer carries: a strict CSP, no sniffing, no referrer, no caching of pages.</summary>
    internal sealed class SecurityHeaders : IEndpointFilter
    {
        public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            ArgumentNullException.ThrowIfNull(context);
            ArgumentNullException.ThrowIfNull(next);
            Apply(context.HttpContext);
            return next(context);
        }

        internal static void Apply(HttpContext context)
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            if (!context.Request.Path.StartsWithSegments(Root + "/assets", StringComparison.Ordinal))
            {
                headers.CacheControl = "no-store";
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1200, LogLevel.Information, "Dashboard sign-in by token {Name} ({Role}).")]
        public static partial void LoggedIn(ILogger logger, string name, string role);

        [LoggerMessage(1201, LogLevel.Warning, "Dashboard sign-in refused: unknown token.")]
        public static partial void LoginRefused(ILogger logger);
    }
}

/// <summary>The dashboard's CSS and JS, embedded in the coordinator assembly (Dashboard/Assets), served with an ETag.</summary>
public sealed class DashboardAssets
{
    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
    }.ToFrozenDictionary();

    private readonly FrozenDictionary<string, (byte[] Bytes, string ContentType, string ETag)> _assets;

    public DashboardAssets()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        const string prefix = "Partages.Coordinator.Dashboard.Assets.";
        var assets = new Dictionary<string, (byte[], string, string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var name = resource[prefix.Length..];
            if (!ContentTypes.TryGetValue(Path.GetExtension(name), out var type))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = Pages.StateBadge.IntoScript(name, buffer.ToArray());
            assets[name] = (bytes, type, $"\"{Partages.Evaluation.ContentHash.Of(bytes)[..16]}\"");
        }

        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> Names => _assets.Keys;

    public IResult Serve(string name, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!_assets.TryGetValue(name, out var asset))
        {
            return TypedResults.NotFound();
        }

        context.Response.Headers.ETag = asset.ETag;
        context.Response.Headers.CacheControl = "no-cache";
        if (context.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Bytes(asset.Bytes, asset.ContentType);
    }
}
