using Partages.Coordinator.Api;
using Partages.Coordinator.Dashboard.Pages;
using Partages.Coordinator.Evaluators;
using Partages.Coordinator.ReadModel;
using Partages.Coordinator.Scheduling;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Dashboard.Live;

/// <summary>
/// The list pages' live regions as server-sent events: the same HTML the page was rendered with, sent again each
/// time something it shows changed, and dashboard.js patches it into the page in place (rows that did not change keep
/// their DOM nodes, and the keyboard focus with them). One rendering on the server, so the live page and a reloaded
/// page cannot disagree. Nothing polls: the streams wait on the scheduler's and the session registry's notifications,
/// through the same loop as the API's list streams (<see cref="ApiEndpoints.ChangesAsync"/>, at most one update a second).
/// </summary>
public static class LiveRegions
{
    /// <summary>The SSE event name dashboard.js listens to.</summary>
    public const string EventName = "region";

    public static IEndpointRouteBuilder MapLiveRegions(this IEndpointRouteBuilder pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        // Like the API's streams, a live region ends when the session's API token is revoked or replaced (ApiTokenWatch):
        // the browser reconnects and is sent to the login page.
        pages.MapGet("/nodes/live", (CoordinatorReadModel model, NodeSessionRegistry sessions, EvaluationChangeNotifier evaluations, TimeProvider time, IHostApplicationLifetime lifetime, ApiTokenWatch tokens, HttpContext context, CancellationToken ct) =>
            TypedResults.ServerSentEvents(ApiEndpoints.ChangesAsync(
                async c => NodesPage.LiveRegion(await model.NodesAsync(c).ConfigureAwait(false), time.GetUtcNow()),
                // A node's row changes when it connects, goes or sends a heartbeat, and its load when its runs change.
                () => Task.WhenAny(sessions.NextChange(), evaluations.NextAnyChange()),
                EventName,
                time,
                tokens.Ending(context, lifetime.ApplicationStopping),
                ct)));
        pages.MapGet("/evaluations/live", (string? state, CoordinatorReadModel model, EvaluationChangeNotifier evaluations, TimeProvider time, IHostApplicationLifetime lifetime, ApiTokenWatch tokens, HttpContext context, CancellationToken ct) =>
        {
            var caller = ApiAuthentication.Caller(context);
            var valid = CoordinatorReadModel.TryParseState(state, out var status);
            var filter = valid ? state?.Trim().ToLowerInvariant() : null;
            return TypedResults.ServerSentEvents(ApiEndpoints.ChangesAsync(
                async c => EvaluationsPage.LiveRegion(await model.EvaluationsAsync(caller, valid ? status : null, CoordinatorReadModel.DefaultListLimit, c).ConfigureAwait(false), filter),
                evaluations.NextAnyChange,
                EventName,
                time,
                tokens.Ending(context, lifetime.ApplicationStopping),
                ct));
        });
        return pages;
    }
}
