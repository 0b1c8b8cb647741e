using EvaluationView = Partages.Contracts.V1.Evaluation;

namespace Partages.Cli.Output;

/// <summary>How <c>watch</c> shows per-node progress: live bars on a terminal, one line per change otherwise.</summary>
internal interface IRunProgressView
{
    void Update(EvaluationView snapshot);
}

/// <summary>One Spectre progress bar per run, driven by the watch stream's snapshots.</summary>
internal sealed class LiveRunProgress(ProgressContext progress) : IRunProgressView
{
    private readonly Dictionary<string, ProgressTask> _bars = new(StringComparer.Ordinal);

    public void Update(EvaluationView snapshot)
    {
        foreach (var run in snapshot.Runs)
        {
            if (!_bars.TryGetValue(run.Id, out var bar))
            {
                bar = progress.AddTask(Describe(run), maxValue: 1);
                _bars[run.Id] = bar;
            }

            bar.Description = Describe(run);
            if (run.Total > 0 && !EvaluatorClient.IsFinal(run.State))
            {
                bar.MaxValue = run.Total;
                bar.Value = Math.Min(run.Done, run.Total);
            }
            else if (EvaluatorClient.IsFinal(run.State))
            {
                bar.Value = bar.MaxValue;
                bar.StopTask();
            }
        }
    }

    private static string Describe(Run run)
    {
        var colour = run.State switch
        {
            RunState.Succeeded => "green",
            RunState.Failed or RunState.Rejected => "red",
            RunState.Cancelled or RunState.NotParticipating => "yellow",
            RunState.AwaitingApproval or RunState.Offline => "blue",
            _ => "default",
        };
        // The unit says what the bar fills with: the bundle's bytes while downloading, documents while running.
        var unit = run.Total > 0 && !EvaluatorClient.IsFinal(run.State) ? $" {RunStates.Count(run.Done, run.Total, run.ProgressUnit)}" : "";
        return $"{TerminalMarkup.Escape(run.NodeName),-20} [{colour}]{RunStates.NameWithWait(run, DateTimeOffset.UtcNow),-24}[/]{unit}";
    }
}

/// <summary>For logs and pipes: a line when a run changes state or crosses another quarter of its documents.</summary>
internal sealed class LineRunProgress(TextWriter output) : IRunProgressView
{
    private readonly Dictionary<string, (RunState State, long Quarter)> _shown = new(StringComparer.Ordinal);

    public void Update(EvaluationView snapshot)
    {
        foreach (var run in snapshot.Runs)
        {
            var quarter = run.Total > 0 ? Math.Min(4, run.Done * 4 / run.Total) : 0;
            if (_shown.TryGetValue(run.Id, out var shown) && shown.State == run.State && shown.Quarter == quarter)
            {
                continue;
            }

            _shown[run.Id] = (run.State, quarter);
            // Names and reasons come from the coordinator: escaped, so none can rewrite the terminal or fake a line.
            var line = new System.Text.StringBuilder().Append(CultureInfo.InvariantCulture, $"{TerminalText.Escape(run.NodeName)}: {RunStates.Name(run.State)}");
            if (run.WaitingSince is { } since && !EvaluatorClient.IsFinal(run.State))
            {
                // A log line is read later: the instant the wait began, not a duration that is stale at once.
                line.Append(CultureInfo.InvariantCulture, $" (waiting since {since.ToDateTimeOffset():yyyy-MM-dd HH:mm:ss} UTC)");
            }

            if (run.Total > 0)
            {
                line.Append(' ').Append(RunStates.Count(run.Done, run.Total, run.ProgressUnit));
            }

            if (run.Reason.Length > 0)
            {
                line.Append(" — ").Append(TerminalText.Escape(run.Reason));
            }

            output.WriteLine(line.ToString());
        }
    }
}

internal static class RunStates
{
    /// <summary>The state as the API and the dashboard name it: snake_case (awaiting_approval, not_participating).</summary>
    public static string Name(RunState state) => state switch
    {
        RunState.AwaitingApproval => "awaiting_approval",
        RunState.NotParticipating => "not_participating",
        _ => state.ToString().ToLowerInvariant(),
    };

    public static string Name(EvaluationState state) => state.ToString().ToLowerInvariant();

    /// <summary>"done/total unit", e.g. "1024/4096 bytes" or "50/200 documents"; without a unit from a coordinator that sends none.</summary>
    public static string Count(long done, long total, ProgressUnit unit) => unit switch
    {
        ProgressUnit.Bytes => string.Create(CultureInfo.InvariantCulture, $"{done}/{total} bytes"),
        ProgressUnit.Documents => string.Create(CultureInfo.InvariantCulture, $"{done}/{total} documents"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{done}/{total}"),
    };

    /// <summary>
    /// The state with how long the run has waited in it (queued for a busy node, offline, awaiting the hospital's
    /// approval), e.g. "awaiting_approval 2h05m": a wait of hours reads differently from one of seconds.
    /// </summary>
    public static string NameWithWait(Run run, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(run);
        var name = Name(run.State);
        if (run.WaitingSince is null || EvaluatorClient.IsFinal(run.State))
        {
            return name;
        }

        var waited = now - run.WaitingSince.ToDateTimeOffset();
        return waited < TimeSpan.Zero ? name : $"{name} {Duration(waited)}";
    }

    /// <summary>"45s", "12m", "2h05m", "3d04h": two units at most.</summary>
    public static string Duration(TimeSpan span) =>
        span.TotalMinutes < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalSeconds}s")
        : span.TotalHours < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes}m")
        : span.TotalDays < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h{span.Minutes:00}m")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays}d{span.Hours:00}h");
}
