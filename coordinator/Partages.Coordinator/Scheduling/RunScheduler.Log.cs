namespace Partages.Coordinator.Scheduling;

/// <summary>The scheduler's source-generated log messages (event ids 400-409, 600-602).</summary>
public sealed partial class RunScheduler
{
    private static partial class Log
    {
        [LoggerMessage(400, LogLevel.Information, "Evaluation {EvaluationId} ({Name}) submitted by {Owner}: {Runs} run(s), {Offered} offered at once.")]
        public static partial void EvaluationSubmitted(ILogger logger, string evaluationId, string name, string owner, int runs, int offered);

        [LoggerMessage(401, LogLevel.Information, "Node {Node} connected (agent {AgentVersion}, {Active} active run(s)); {Offers} offer(s) sent.")]
        public static partial void NodeConnected(ILogger logger, string node, string agentVersion, int active, int offers);

        [LoggerMessage(402, LogLevel.Information, "Node {Node} disconnected.")]
        public static partial void NodeDisconnected(ILogger logger, string node);

        [LoggerMessage(403, LogLevel.Warning, "Run {RunId} failed: lease expired, node {Node} stopped reporting.")]
        public static partial void LeaseExpired(ILogger logger, string runId, string node);

        [LoggerMessage(404, LogLevel.Warning, "Evaluation {EvaluationId} passed its deadline; its open runs were failed.")]
        public static partial void DeadlinePassed(ILogger logger, string evaluationId);

        [LoggerMessage(405, LogLevel.Information, "Evaluation {EvaluationId} is {State}. {Reason}")]
        public static partial void EvaluationClosed(ILogger logger, string evaluationId, string state, string reason);

        [LoggerMessage(406, LogLevel.Information, "Evaluation {EvaluationId} cancelled by {By}; {Notified} node run(s) told to stop.")]
        public static partial void EvaluationCancelled(ILogger logger, string evaluationId, string by, int notified);

        [LoggerMessage(407, LogLevel.Warning, "Node {Node} sent {Kind} for run {RunId}, which is not one of its runs; ignored.")]
        public static partial void ForeignRun(ILogger logger, string node, string kind, string runId);

        [LoggerMessage(408, LogLevel.Warning, "Node {Node} sent a second hello on the same session; ignored.")]
        public static partial void UnexpectedHello(ILogger logger, string node);

        [LoggerMessage(409, LogLevel.Error, "The results of evaluation {EvaluationId} could not be pooled.")]
        public static partial void PoolingFailed(ILogger logger, Exception exception, string evaluationId);

        [LoggerMessage(600, LogLevel.Information, "Result of run {RunId} from node {Node} stored (sha256 {Sha256}).")]
        public static partial void ResultStored(ILogger logger, string runId, string node, string sha256);

        [LoggerMessage(601, LogLevel.Information, "Result of run {RunId} from node {Node} was already stored; duplicate ignored.")]
        public static partial void DuplicateResult(ILogger logger, string runId, string node);

        [LoggerMessage(602, LogLevel.Warning, "Result of run {RunId} from node {Node} refused: {Problem}")]
        public static partial void InvalidResult(ILogger logger, string runId, string node, string problem);
    }
}
