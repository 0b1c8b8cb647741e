using System.Text.Json;
using Google.Protobuf;
using Partages.Coordinator.Telemetry;
using Partages.Evaluation;

namespace Partages.Coordinator.Scheduling;

/// <summary>A new evaluation: its row, one run per node, offered at once to the nodes connected with a free slot.</summary>
public sealed partial class EvaluationSubmission(RunLedger ledger, ILogger<EvaluationSubmission> logger)
{
    /// <summary>Why a run waits for a node that was not connected at submission.</summary>
    public const string OfflineAtSubmission = "the node was offline at submission; offered when it connects";

    /// <summary>Creates the evaluation and one queued run per node, and offers them to the nodes connected now.</summary>
    public async Task<string> SubmitAsync(NewEvaluation submission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        using var activity = CoordinatorTelemetry.StartSubmission();
        return await ledger.WriteAsync(
            async write =>
            {
                var now = write.Now;
                var spec = submission.Spec;
                var evaluation = new EvaluationEntity
                {
                    Id = "ev_" + Guid.CreateVersion7().ToString("N"),
                    Name = spec.Name,
                    SpecYaml = submission.SpecYaml,
                    SpecSha256 = ContentHash.Of(submission.SpecYaml),
                    ModelBundleSha256 = submission.ModelBundleSha256,
                    ModelSignature = submission.ModelSignature?.ToByteArray(),
                    Owner = submission.Owner,
                    Task = spec.Task,
                    Dataset = spec.Dataset,
                    LabelsJson = JsonSerializer.Serialize(spec.Labels),
                    MinSites = spec.MinSites,
                    Status = EvaluationStatus.Running,
                    CreatedAt = now,
                    Deadline = now.AddMinutes(spec.DeadlineMinutes),
                    TraceParent = CoordinatorTelemetry.TraceParentOf(activity),
                };
                foreach (var node in submission.Nodes)
                {
                    var run = new RunEntity { Id = "run_" + Guid.CreateVersion7().ToString("N"), EvaluationId = evaluation.Id, NodeName = node };
                    evaluation.Runs.Add(run);
                    // A connected node is offered the run at commit if it has a free slot; an offline one is listed as such.
                    write.Record(run, ledger.Sessions.TryGet(node, out _) ? run.Queue(now) : run.WaitOffline(OfflineAtSubmission, now));
                    write.Changes.MayOffer(node);
                }

                write.Db.Evaluations.Add(evaluation);
                var offered = await write.CommitAsync(cancellationToken).ConfigureAwait(false);
                Log.EvaluationSubmitted(logger, evaluation.Id, evaluation.Name, submission.Owner, evaluation.Runs.Count, offered);
                activity?.SetTag("partages.evaluation_id", evaluation.Id);
                return evaluation.Id;
            },
            cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(400, LogLevel.Information, "Evaluation {EvaluationId} ({Name}) submitted by {Owner}: {Runs} run(s), {Offered} offered at once.")]
        public static partial void EvaluationSubmitted(ILogger logger, string evaluationId, string name, string owner, int runs, int offered);
    }
}
