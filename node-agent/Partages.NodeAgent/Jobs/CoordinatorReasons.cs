using Partages.NodeAgent.Artifacts;
using Partages.NodeAgent.Admission;

namespace Partages.NodeAgent.Jobs;

/// <summary>Where a run was when it stopped; the stage, not the exception's text, decides what the coordinator hears.</summary>
public enum RunStage
{
    /// <summary>Checking the offer against the node's policy and the dataset's snapshot.</summary>
    Admission,

    /// <summary>Waiting for the hospital's operator (manual approval of the run or of the payload).</summary>
    Approval,

    /// <summary>Fetching the model bundle.</summary>
    Download,

    /// <summary>Checking the bundle's signature or pin.</summary>
    Trust,

    /// <summary>Running the model over the reports.</summary>
    Evaluation,

    /// <summary>Noising, accounting and checking the result in the release gate.</summary>
    Release,

    /// <summary>Handing the payload to the coordinator.</summary>
    Submission,
}

/// <summary>
/// The only reasons the coordinator hears in <c>JobRejected.reason</c> and <c>JobFailed.reason</c>: a small fixed set
/// of categories, each decided by where the run stopped — never by the text of what stopped it, which can depend on
/// the reports ("out of memory" on one report and not on another is a bit about that report). The detailed reason
/// stays in the node's log and audit log. Offer checks that read nothing but the offer and <c>node.yaml</c>
/// (<see cref="OfferCheck"/>) keep their own reason; docs/node-agent.md argues why.
/// </summary>
public static class CoordinatorReasons
{
    public const string PolicyRefused = "refused by this node's policy";

    public const string AtCapacity = "the node is running as many jobs as it may";

    public const string HospitalRejected = "the hospital rejected the job";

    public const string BundleNotTrusted = "the model bundle is not trusted";

    public const string BundleUnavailable = "the model bundle could not be downloaded";

    public const string RunFailed = "the run failed at the node";

    public const string AgentStopped = "the node agent was stopped";

    /// <summary>Every category, for documentation and tests.</summary>
    public static IReadOnlyList<string> All { get; } =
        [PolicyRefused, AtCapacity, HospitalRejected, BundleNotTrusted, BundleUnavailable, RunFailed, AgentStopped];

    /// <summary>The category of a run that stopped at <paramref name="stage"/> with <paramref name="exception"/>.</summary>
    public static string For(RunStage stage, Exception exception) => (stage, exception) switch
    {
        (_, ArtifactException) => BundleUnavailable,
        (RunStage.Admission, EvaluationRefusedException) => PolicyRefused,
        (RunStage.Trust, EvaluationRefusedException) => BundleNotTrusted,
        // The gate's refusals are the policy's rules (privacy budget, sizes, what DP may release).
        (RunStage.Release, EvaluationRefusedException) => PolicyRefused,
        _ => RunFailed,
    };
}
