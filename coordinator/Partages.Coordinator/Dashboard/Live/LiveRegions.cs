using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Partages.Coordinator.Api;
using Partages.Coordinator.Dashboard.Pages;
using Partages.Coordinator.Scheduling;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Dashboard.Live;

/// <summary>
/// The list pages' live regions as server-sent events: the same HTML the page was rendered with, sent again each
/// time something it shows changed, and dashboard.js patches it into the page in place (rows that did not change keep
/// their DOM nodes, and the keyboard focus with them). One rendering on the server, so the live page and a reloaded
/// page cannot disagree. Nothing polls: the streams wait on the scheduler's and the session registry's notifications.
/// </summary>
public static class LiveRegions
{
    /// <summary>The SSE event name dashboard.js listens to.</summary>
    public const string EventName = "region";

    /// <summary>
    /// At most one update per this interval: nodes report progress several times a second during a run, and a wall
    /// screen need not be redrawn faster than people read it (each update re-reads the lists from the database).
    /// </summary>
    public static TimeSpan MinInterval { get; } = TimeSpan.FromSeconds(1);

    public static IEndpointRouteBuilder MapLiveRegions(this IEndpointRouteBuilder pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        pages.MapGet("/nodes/live", (ApiReadModel model, NodeSessionRegistry sessions, EvaluationChangeNotifier evaluations, TimeProvider time, CancellationToken ct) =>
            TypedResults.ServerSentEvents(StreamAsync(
                async c => NodesPage.LiveRegion(await model.NodesAsync(c).ConfigureAwait(false), time.GetUtcNow()),
                // A node's row changes when it connects, goes or sends a heartbeat, and its load when its runs change.
                () => Task.WhenAny(sessions.NextChange(), evaluations.NextAnyChange()),
                time,
                ct)));
        pages.MapGet("/evaluations/live", (string? state, ApiReadModel model, EvaluationChangeNotifier evaluations, TimeProvider time, HttpContext context, CancellationToken ct) =>
        {
            var caller = ApiAuthentication.Caller(context);
            var valid = ApiReadModel.TryParseState(state, out var status);
            var filter = valid ? state?.Trim().ToLowerInvariant() : null;
            return TypedResults.ServerSentEvents(StreamAsync(
                async c => EvaluationsPage.LiveRegion(await model.EvaluationsAsync(caller, valid ? status : null, ApiReadModel.DefaultListLimit, c).ConfigureAwait(false), filter),
                evaluations.NextAnyChange,
                time,
                ct));
        });
        return pages;
    }

    /// <summary>
    /// The region now, then again after every change (when it renders differently), until the browser goes.
    /// Subscribes before each read, so a change committed during the read still wakes the loop.
    /// </summary>
    internal static async IAsyncEnumerable<SseItem<string>> StreamAsync(
        Func<CancellationToken, Task<string>> render,
        Func<Task> nextChange,
        TimeProvider time,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? previous = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            var changed = nextChange();
            var html = await render(cancellationToken).ConfigureAwait(false);
            if (html != previous)
            {
                yield return new SseItem<string>(html, EventName);
                previous = html;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            await Task.Delay(MinInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
