using Partages.Evaluation.Tasks.EntityRecognition;

namespace Partages.NodeAgent.Engine.Tasks.EntityRecognition;

/// <summary>The engine's side of <see cref="EntityRecognitionTask"/>: its own path (<see cref="NerEvaluation"/>, docs/ner.md).</summary>
internal sealed class EntityRecognitionEngineTask : EngineTask
{
    public override string Name => EntityRecognitionTask.TaskName;

    public override Task<ResultDocument> RunAsync(EngineRun run) =>
        Task.FromResult(NerEvaluation.Run(run.Job, run.Options, run.Plan, run.Observer, run.Progress, run.CancellationToken, run.Predictions));
}
