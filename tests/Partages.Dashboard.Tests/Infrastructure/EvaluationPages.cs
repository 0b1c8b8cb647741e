using Partages.Coordinator.Dashboard.Pages;
using Partages.Coordinator.Evaluators;
using Partages.Coordinator.Persistence;
using Partages.Coordinator.ReadModel;

namespace Partages.Dashboard.Tests.Infrastructure;

/// <summary>The evaluation page the coordinator renders for a completed evaluation, without a browser: for the renderers' unit tests.</summary>
public static class EvaluationPages
{
    /// <summary>The page of a completed evaluation with this pooled result over <paramref name="labels"/>, as a viewer sees it.</summary>
    public static string Render(PooledResultDocument pooled, IReadOnlyList<string> labels, string name, string dataset)
    {
        ArgumentNullException.ThrowIfNull(pooled);
        var now = new DateTimeOffset(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);
        var view = new EvaluationView("ev_1", name, "completed", "", "tests", pooled.Task, dataset, labels, 1,
            new string('a', 64), new string('b', 64), now, now.AddHours(1), now, pooled.IncludedSites, [], [], ResultJson.Serialize(pooled));
        return EvaluationPage.Render(view, now, new EvaluatorIdentity("wall-screen", ApiRole.Viewer));
    }
}
