namespace Partages.Coordinator.ReadModel;

// What the live state (LiveEvaluations) reads: an evaluation without its runs, and only the runs that changed, so a
// change costs what it touched and not the whole evaluation (at 1,000 nodes a whole read per change was quadratic).
public sealed partial class CoordinatorReadModel
{
    /// <summary>
    /// The evaluation (its <see cref="EvaluationView.Runs"/> empty) and the runs named by <paramref name="runIds"/>
    /// (null: all of them) with their histories; null when the evaluation does not exist. Not access-checked: the
    /// caller decides who sees it (<see cref="EvaluationAccess"/>). The evaluation is read before the runs, so the runs
    /// are never older than it (a final evaluation comes with its final runs).
    /// </summary>
    internal async Task<(EvaluationView Evaluation, IReadOnlyList<RunView> Runs)?> LiveReadAsync(
        string evaluationId, IReadOnlyCollection<string>? runIds, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var evaluation = await db.Evaluations.AsNoTracking().SingleOrDefaultAsync(e => e.Id == evaluationId, cancellationToken).ConfigureAwait(false);
        if (evaluation is null)
        {
            return null;
        }

        var header = View(evaluation, Enumerable.Empty<RunStateHistoryEntity>().ToLookup(h => h.RunId, StringComparer.Ordinal));
        if (runIds is { Count: 0 })
        {
            return (header, []);
        }

        var query = db.Runs.AsNoTracking().Where(r => r.EvaluationId == evaluationId);
        if (runIds is not null)
        {
            var wanted = runIds.ToList();
            query = query.Where(r => wanted.Contains(r.Id));
        }

        var runs = await query.ToListAsync(cancellationToken).ConfigureAwait(false);
        var ids = runs.Select(r => r.Id).ToList();
        var history = (await db.RunStateHistory.AsNoTracking().Where(h => ids.Contains(h.RunId)).OrderBy(h => h.Id)
                .ToListAsync(cancellationToken).ConfigureAwait(false))
            .ToLookup(h => h.RunId, StringComparer.Ordinal);
        return (header, [.. runs.Select(r => View(r, [.. history[r.Id]]))]);
    }
}
