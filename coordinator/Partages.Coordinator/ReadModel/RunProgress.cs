namespace Partages.Coordinator.ReadModel;

/// <summary>
/// The done/total pair a run shows and what it counts, the same for the gRPC and the JSON APIs. A node reports one
/// pair, in bytes while it downloads the bundle and in documents while it evaluates; the unit stored with the pair
/// says which. A succeeded run shows the documents its result says it read (nodes drop their last progress report once
/// the result is ready, so the last report can fall short).
/// </summary>
public static class RunProgress
{
    /// <param name="reached">The states the run went through (its history), for rows stored before the unit was.</param>
    public static (long Done, long Total, RunProgressUnit Unit) Of(RunEntity run, IEnumerable<RunStatus> reached)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Status == RunStatus.Succeeded && run.Released.DocumentsRead is { } read)
        {
            return (read, read, RunProgressUnit.Documents);
        }

        if (!NeedsHistory(run))
        {
            // Nothing counted (before a report, or handed back and starting again) has no unit, whatever came before.
            return (run.Done, run.Total, run.ProgressUnit);
        }

        // A row from before the unit was stored: the furthest phase the run reached says what its pair counted.
        var states = reached.Append(run.Status).ToHashSet();
        var unit = states.Contains(RunStatus.Running) || states.Contains(RunStatus.Succeeded) ? RunProgressUnit.Documents
            : states.Contains(RunStatus.Downloading) ? RunProgressUnit.Bytes
            : RunProgressUnit.None;
        return (run.Done, run.Total, unit);
    }

    /// <summary>Whether <see cref="Of"/> reads the run's history: a row with counts but no stored unit (older code).</summary>
    public static bool NeedsHistory(RunEntity run) =>
        !(run.Status == RunStatus.Succeeded && run.Released.DocumentsRead is not null)
        && run.ProgressUnit == RunProgressUnit.None && (run.Done != 0 || run.Total != 0);
}
