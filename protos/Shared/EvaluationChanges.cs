namespace Partages.Contracts.V1;

/// <summary>
/// How a WatchEvaluation client keeps the whole evaluation from the stream's messages: a whole snapshot replaces what
/// it had; a change (<see cref="Evaluation.IsChange"/>) brings the evaluation's own fields whole and only the runs
/// that changed, each replacing the run with the same id.
/// </summary>
public static class EvaluationChanges
{
    /// <summary>The evaluation after <paramref name="message"/>, given what the stream said before (null: nothing yet).</summary>
    /// <exception cref="InvalidDataException">A change came before any whole snapshot.</exception>
    public static Evaluation Apply(Evaluation? current, Evaluation message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.IsChange)
        {
            return message;
        }

        if (current is null)
        {
            throw new InvalidDataException($"WatchEvaluation sent a change of evaluation '{message.Id}' before its first snapshot.");
        }

        var changed = message.Runs.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var merged = message.Clone();
        merged.IsChange = false;
        merged.Runs.Clear();
        foreach (var run in current.Runs)
        {
            merged.Runs.Add(changed.Remove(run.Id, out var newer) ? newer : run);
        }

        // A run the client did not know (none is added after submission today): kept, in the stream's order.
        merged.Runs.Add(message.Runs.Where(r => changed.ContainsKey(r.Id)));
        return merged;
    }
}
