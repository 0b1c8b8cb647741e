using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Partages.Coordinator.Hosting;

/// <summary>
/// What the coordinator's HTTPS port adds for browsers and password-guessers: HSTS on every answer (the port serves
/// HTTPS only, so a browser that saw it once never tries plain HTTP, where a network attacker could strip TLS), and a
/// per-client-IP limit on sign-in attempts, answered 429 with Retry-After.
/// </summary>
public static partial class WebSecurity
{
    /// <summary>The rate-limiting policy of the sign-in endpoint(s).</summary>
    public const string LoginPolicy = "login";

    public static IServiceCollection AddWebSecurity(this IServiceCollection services, CoordinatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddHsts(hsts =>
        {
            hsts.MaxAge = TimeSpan.FromDays(options.HstsMaxAgeDays);
            // The coordinator's name is its own; other hosts of the domain are not ours to pin.
            hsts.IncludeSubDomains = false;
            hsts.Preload = false;
        });
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Per client address: one guesser cannot lock everyone else out. Behind a reverse proxy every client shares
            // the proxy's address (docs/deployment.md).
            limiter.AddPolicy(LoginPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.LoginAttemptsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var http = rejected.HttpContext;
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                Log.LoginThrottled(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebSecurity)), http.Connection.RemoteIpAddress?.ToString() ?? "unknown", seconds);
                http.Response.ContentType = "text/plain; charset=utf-8";
                await http.Response.WriteAsync($"Too many sign-in attempts from this address; try again in {seconds} s.", cancellationToken).ConfigureAwait(false);
            };
        });
        return services;
    }

    public static WebApplication UseWebSecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CoordinatorOptions>>().Value;
        if (options.HstsMaxAgeDays > 0)
        {
            // Not sent to localhost, 127.0.0.1 and [::1] (the middleware's default exclusions): a browser would
            // otherwise pin every local development server to HTTPS.
            app.UseHsts();
        }

        app.UseRateLimiter();
        return app;
    }

    private static partial class Log
    {
        [LoggerMessage(1300, LogLevel.Warning, "Sign-in attempts from {Address} throttled for {Seconds} s.")]
        public static partial void LoginThrottled(ILogger logger, string address, int seconds);
    }
}
