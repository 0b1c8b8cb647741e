using Partages.Coordinator.ReadModel;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Mvc;
using Partages.Coordinator.Auth;
using Partages.Coordinator.Evaluators;
using Partages.Coordinator.Hosting;
using Partages.Coordinator.Scheduling;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Api;

/// <summary>
/// The read-only JSON API under <c>/api/v1/</c> on the coordinator's TLS port (docs/dashboard.md): nodes,
/// evaluations, one evaluation, and its changes as server-sent events. Any API token may read (the viewer policy;
/// refused with a JSON 401), with the evaluator plane's rule for evaluations (<see cref="EvaluationAccess"/>): an
/// evaluator token sees only its own.
/// </summary>
public static class ApiEndpoints
{
    public const string Prefix = "/api/v1";

    public static IServiceCollection AddCoordinatorApi(this IServiceCollection services)
    {
        return services;
    }

    public static IEndpointRouteBuilder MapCoordinatorApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var api = endpoints.MapGroup(Prefix).RequireAuthorization(CoordinatorPolicies.Viewer).WithMetadata(new JsonRefusal());

        api.MapGet("/nodes", async (CoordinatorReadModel model, CancellationToken ct) =>
            TypedResults.Json(new { nodes = await model.NodesAsync(ct).ConfigureAwait(false) }, ApiJson.Options));

        // The node list again whenever a node connects, goes or sends a heartbeat, or its runs change.
        // Every stream also ends when its API token is revoked or replaced (ApiTokenWatch).
        api.MapGet("/nodes/events", (CoordinatorReadModel model, NodeSessionRegistry sessions, EvaluationChangeNotifier notifier, TimeProvider time, IHostApplicationLifetime lifetime, ApiTokenWatch tokens, HttpContext context, CancellationToken ct) =>
            TypedResults.ServerSentEvents(ChangesAsync(
                async c => ApiJson.Serialize(new { nodes = await model.NodesAsync(c).ConfigureAwait(false) }),
                () => Task.WhenAny(sessions.NextChange(), notifier.NextAnyChange()),
                "snapshot",
                time,
                tokens.Ending(context, lifetime.ApplicationStopping),
                ct)));

        // Paged like ListEvaluations: limit is the page size, page_token the previous answer's next_page_token.
        api.MapGet("/evaluations", async Task<IResult> (string? state, int? limit, [FromQuery(Name = "page_token")] string? pageToken, CoordinatorReadModel model, HttpContext context, CancellationToken ct) =>
        {
            if (!CoordinatorReadModel.TryParseState(state, out var status))
            {
                return ApiJson.BadRequest($"state '{state}' is not one of running, completed, failed, cancelled.");
            }

            if (limit is < 0)
            {
                return ApiJson.BadRequest("limit must be positive (it is capped at 500).");
            }

            if (!PageTokens.TryParseEvaluation(pageToken, out var after))
            {
                return ApiJson.BadRequest("page_token is not a token this list issued; pass next_page_token unchanged, or none for the first page.");
            }

            var (evaluations, next) = await model.EvaluationsPageAsync(ApiAuthentication.Caller(context), status, limit ?? 0, after, ct).ConfigureAwait(false);
            return TypedResults.Json(new { evaluations, NextPageToken = next is null ? "" : PageTokens.ForEvaluation(next) }, ApiJson.Options);
        });

        // The evaluation list again whenever an evaluation is submitted or changes; same filters as the list.
        api.MapGet("/evaluations/events", IResult (string? state, int? limit, CoordinatorReadModel model, EvaluationChangeNotifier notifier, TimeProvider time, IHostApplicationLifetime lifetime, ApiTokenWatch tokens, HttpContext context, CancellationToken ct) =>
        {
            if (!CoordinatorReadModel.TryParseState(state, out var status))
            {
                return ApiJson.BadRequest($"state '{state}' is not one of running, completed, failed, cancelled.");
            }

            if (limit is < 0)
            {
                return ApiJson.BadRequest("limit must be positive (it is capped at 500).");
            }

            var caller = ApiAuthentication.Caller(context);
            return TypedResults.ServerSentEvents(ChangesAsync(
                async c => ApiJson.Serialize(new { evaluations = await model.EvaluationsAsync(caller, status, limit ?? 0, c).ConfigureAwait(false) }),
                notifier.NextAnyChange,
                "snapshot",
                time,
                tokens.Ending(context, lifetime.ApplicationStopping),
                ct));
        });

        api.MapGet("/evaluations/{id}", async Task<IResult> (string id, CoordinatorReadModel model, HttpContext context, CancellationToken ct) =>
            await model.EvaluationAsync(ApiAuthentication.Caller(context), id, ct).ConfigureAwait(false) is { } evaluation
                ? TypedResults.Json(evaluation, ApiJson.Options)
                : ApiJson.NotFound($"Evaluation '{id}' does not exist."));

        api.MapGet("/evaluations/{id}/events", async Task<IResult> (string id, LiveEvaluations live, IHostApplicationLifetime lifetime, ApiTokenWatch tokens, HttpContext context, CancellationToken ct) =>
        {
            var follower = await live.FollowAsync(ApiAuthentication.Caller(context), id, ct).ConfigureAwait(false);
            return follower is null
                ? ApiJson.NotFound($"Evaluation '{id}' does not exist.")
                : TypedResults.ServerSentEvents(SnapshotsAsync(follower, tokens.Ending(context, lifetime.ApplicationStopping), ct));
        });

        return endpoints;
    }

    /// <summary>
    /// At most one list snapshot per this interval: nodes report progress several times a second during a run, and
    /// each snapshot reads the list from the database.
    /// </summary>
    public static TimeSpan ListMinInterval { get; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// <paramref name="render"/> now, then again after every change <paramref name="nextChange"/> reports (when it
    /// renders differently), at most once per <see cref="ListMinInterval"/>, until the client goes or the coordinator
    /// stops (<paramref name="stopping"/>: the stream then ends and the browser's EventSource reconnects by itself).
    /// Subscribes before each read, so a change committed during the read still wakes the loop. Used by the list
    /// streams here and by the dashboard's live regions.
    /// </summary>
    internal static async IAsyncEnumerable<SseItem<string>> ChangesAsync(
        Func<CancellationToken, Task<string>> render,
        Func<Task> nextChange,
        string eventName,
        TimeProvider time,
        CancellationToken stopping,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        string? previous = null;
        while (!ended.IsCancellationRequested)
        {
            var changed = nextChange();
            var data = await render(cancellationToken).ConfigureAwait(false);
            if (data != previous)
            {
                yield return new SseItem<string>(data, eventName);
                previous = data;
            }

            if (!await StreamShutdown.ContinuesAfterAsync(changed, ended.Token).ConfigureAwait(false)
                || !await StreamShutdown.ContinuesAfterAsync(Task.Delay(ListMinInterval, time, ended.Token), ended.Token).ConfigureAwait(false))
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// One <c>snapshot</c> event now (the whole evaluation), then a <c>change</c> event after every change the scheduler
    /// commits (the evaluation's own fields and only the runs that changed), until the evaluation is final (then the
    /// stream ends), the client goes or the coordinator stops. No polling: it waits on the live state
    /// (<see cref="LiveEvaluations"/>), which reads only what each change touched.
    /// </summary>
    internal static async IAsyncEnumerable<SseItem<string>> SnapshotsAsync(
        EvaluationFollower follower, CancellationToken stopping, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using (follower)
        {
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
            await foreach (var (view, isChange) in follower.MessagesAsync(changesOnly: true, ended.Token).ConfigureAwait(false))
            {
                yield return new SseItem<string>(ApiJson.Serialize(view), isChange ? "change" : "snapshot");
            }
        }
    }
}
