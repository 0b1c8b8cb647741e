namespace Partages.Cli.Tests.Output;

/// <summary>An evaluation completed with a pooled result, as the coordinator sends it to the CLI.</summary>
internal static class FinishedEvaluation
{
    public static EvaluationView Of(string id, string name, PooledResultDocument pooled) =>
        new() { Id = id, Name = name, State = EvaluationState.Completed, PooledResultJson = ResultJson.Serialize(pooled) };
}
