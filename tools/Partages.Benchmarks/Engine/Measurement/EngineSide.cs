using Partages.Benchmarks.Engine.Corpus;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Results;
using Partages.Evaluation.Specs;
using Partages.NodeAgent.Engine;
using Partages.NodeAgent.Engine.Datasets;

namespace Partages.Benchmarks.Engine.Measurement;

/// <summary>
/// The engine side: <see cref="EvaluationEngine.EvaluateAsync"/>, the entry the node's worker process calls, on the
/// JSONL file: it opens and checks the bundle, builds its session, reads, tokenizes, infers and scores, and returns the
/// <see cref="ResultDocument"/>. All of that is timed.
/// </summary>
internal static class EngineSide
{
    /// <param name="sessionVariant">One of <see cref="SessionVariants.All"/>: a single ONNX Runtime setting changed from the engine's defaults.</param>
    public static EvaluationEngineOptions Options(int intraOpThreads, string sessionVariant = SessionVariants.Default) =>
        new()
        {
            IntraOpNumThreads = intraOpThreads,
            BatchSize = 32,
            SessionTuning = SessionVariants.Get(sessionVariant),
            ThreadsInsideOperators = sessionVariant == SessionVariants.InsideOperators,
        };

    public static async Task<(SideFigures Figures, ResultDocument Result)> RunAsync(
        string bundlePath,
        string corpusPath,
        int intraOpThreads,
        CancellationToken cancellationToken,
        IProgress<EvaluationProgress>? progress = null,
        string sessionVariant = SessionVariants.Default)
    {
        var engine = new EvaluationEngine(Options(intraOpThreads, sessionVariant));
        var spec = new EvaluationSpec
        {
            Name = "engine-benchmark",
            Task = TaskTypes.SingleLabelClassification,
            Dataset = "benchmark",
            Labels = LongReportCorpus.Labels,
        };
        var job = new EvaluationJob(bundlePath, spec, new DatasetDefinition("benchmark", Path.GetFullPath(corpusPath), DatasetFormats.Jsonl));
        var clock = ProcessClock.Start();
        var result = await engine.EvaluateAsync(job, progress, cancellationToken).ConfigureAwait(false);
        var (wall, cpu) = clock.Elapsed();
        return (new SideFigures(result.NDocuments, wall, cpu, result.Accuracy ?? double.NaN), result);
    }
}
