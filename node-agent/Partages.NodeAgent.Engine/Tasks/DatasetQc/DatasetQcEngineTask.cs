using Partages.Evaluation.Tasks.DatasetQc;
using Partages.NodeAgent.Engine.Quality;

namespace Partages.NodeAgent.Engine.Tasks.DatasetQc;

/// <summary>
/// The engine's side of <see cref="DatasetQcTask"/>: no model runs; a bundle, when given, lends its tokenizer only. The dataset is profiled by the same reader
/// as the hospital's local <c>qc</c> command (<see cref="Quality.DatasetQc"/>), which feeds a
/// <see cref="DatasetQcCounter"/> the releasable subset; the release gate then checks and, by policy, noises it.
/// </summary>
internal sealed class DatasetQcEngineTask : EngineTask
{
    public override string Name => DatasetQcTask.TaskName;

    public override Task<ResultDocument> RunAsync(EngineRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (job, ct) = (run.Job, run.CancellationToken);
        var spec = job.Spec;
        if (run.Plan.StartDocument > 0)
        {
            // A resumed segment would be added to the counts of the first: a QC is one pass, started again whole.
            throw new EvaluationRefusedException("a dataset QC is not resumed part-way; it runs again from the first report");
        }

        if (spec.Annotation == DatasetQcAnnotation.Labels && DatasetFile.Is(job.Dataset, DatasetFormats.Brat))
        {
            throw new EvaluationRefusedException($"dataset '{job.Dataset.Name}' is a brat folder of entities; the spec profiles document labels (annotation: labels): set annotation: entities");
        }

        // Given a bundle (already downloaded and trusted by the node), only its tokenizer is read: no session is created.
        var pieces = job.BundlePath.Length > 0 ? BundlePieces.Open(job.BundlePath, run.Options).Pieces : null;

        // Entities are clipped per report only when the release will be noised (the policy's bound), as entity recognition does.
        var counter = new DatasetQcCounter(
            spec.Annotation, spec.Labels, spec.Annotators, spec.Annotation == DatasetQcAnnotation.Entities ? job.MaxEntitiesPerReport : null,
            pieces is null ? null : (pieces.Window, pieces.UnknownToken));
        try
        {
            _ = Quality.DatasetQc.Profile(job.Dataset, spec.Annotators, ct, counter, pieces);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidDataException)
        {
            // Both are about the dataset's shape (a brat folder asked for agreement, a CSV without the annotators' columns), never its text.
            throw new EvaluationRefusedException($"dataset '{job.Dataset.Name}' cannot be profiled as the spec asks: {ex.Message}", ex);
        }

        if (spec.Annotators.Count >= 2 && counter.DocumentsWithTwoAnnotators == 0)
        {
            // Agreement was asked of a dataset with one annotator: refused rather than released as "not estimable".
            throw new EvaluationRefusedException(
                $"dataset '{job.Dataset.Name}' has one annotator only: no report carries the gold of two of {string.Join(", ", spec.Annotators)}, so their agreement cannot be measured");
        }

        run.Progress?.Report(new EvaluationProgress(counter.Documents, counter.Documents));
        return Task.FromResult(DatasetQcResults.Build(spec.Task, counter.Documents, counter.ToSection(), release: null));
    }
}
