using Grpc.Core;
using EvaluationView = Partages.Contracts.V1.Evaluation;

namespace Partages.Cli.Commands;

/// <summary>
/// <c>watch ID</c>: per-node progress until the evaluation is final; exit 0 if it completed, 1 if it failed or was
/// cancelled. A coordinator restart does not end the watch: it reconnects (with back-off) for <c>--reconnect-seconds</c>.
/// </summary>
internal static class WatchCommand
{
    public static Command Create(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The evaluation id (printed by submit)." };
        var reconnect = new Option<int>("--reconnect-seconds")
        {
            Description = "How long to keep trying when the coordinator cannot be reached mid-watch (0: give up at once).",
            DefaultValueFactory = _ => 120,
        };
        var command = new Command("watch", "Shows live per-node progress until the evaluation is final.") { id, reconnect };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context, c => RunAsync(
            context, parse.GetRequiredValue(id).Trim(), TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(reconnect))), c), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string id, TimeSpan reconnectFor, CancellationToken cancellationToken)
    {
        using var session = await Session.OpenAsync(context, cancellationToken).ConfigureAwait(false);
        EvaluationView final;
        if (context.Console.Profile.Capabilities.Interactive)
        {
            final = null!;
            await context.Console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                .StartAsync(async progress =>
                    final = await FollowAsync(context, session, id, new LiveRunProgress(progress), reconnectFor, cancellationToken).ConfigureAwait(false))
                .ConfigureAwait(false);
        }
        else
        {
            final = await FollowAsync(context, session, id, new LineRunProgress(context.Output), reconnectFor, cancellationToken).ConfigureAwait(false);
        }

        // Ids, names and reasons come from the coordinator: escaped one by one (TerminalText), so none fakes a line.
        await context.Output.WriteLineAsync(
            $"Evaluation {TerminalText.Escape(final.Id)} ({TerminalText.Escape(final.Name)}) {RunStates.Name(final.State)}: {final.IncludedSites.Count} site(s) pooled" +
            (final.IncludedSites.Count > 0 ? $" ({string.Join(", ", final.IncludedSites.Select(TerminalText.Escape))})" : "") +
            (final.Reason.Length > 0 ? $"; {TerminalText.Escape(final.Reason)}" : "") + ".").ConfigureAwait(false);
        foreach (var run in final.Runs.Where(r => r.State != RunState.Succeeded))
        {
            await context.Output.WriteLineAsync($"  {TerminalText.Escape(run.NodeName)}: {RunStates.Name(run.State)}{(run.Reason.Length > 0 ? " — " + TerminalText.Escape(run.Reason) : "")}").ConfigureAwait(false);
        }

        if (final.State == EvaluationState.Completed)
        {
            await context.Output.WriteLineAsync($"Results: partages results {TerminalText.Escape(final.Id)}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        return ExitCodes.Failed;
    }

    /// <summary>Follows the watch stream to the final snapshot, reconnecting while the coordinator is unreachable.</summary>
    internal static async Task<EvaluationView> FollowAsync(
        CliContext context, Session session, string id, IRunProgressView view, TimeSpan reconnectFor, CancellationToken cancellationToken)
    {
        DateTimeOffset? outageSince = null;
        var backoff = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                return await session.Client.WatchUntilFinalAsync(id, snapshot =>
                {
                    outageSince = null;
                    view.Update(snapshot);
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown && !cancellationToken.IsCancellationRequested)
            {
                var now = DateTimeOffset.UtcNow;
                if (outageSince is null)
                {
                    outageSince = now;
                    backoff = TimeSpan.FromMilliseconds(250);
                    if (reconnectFor > TimeSpan.Zero)
                    {
                        await context.Error.WriteLineAsync($"Lost the coordinator ({ex.StatusCode}); reconnecting for up to {reconnectFor.TotalSeconds:0} s…").ConfigureAwait(false);
                    }
                }

                if (now - outageSince >= reconnectFor)
                {
                    throw;
                }

                // Back-off between reconnection attempts while the coordinator is down (not a synchronisation delay).
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, 4000));
            }
        }
    }
}
