using Grpc.Core;

namespace Partages.Coordinator.Evaluators;

/// <summary>
/// Who may see and act on which evaluation — the one rule for the gRPC evaluator plane and anything else that
/// serves evaluations (the JSON API, the dashboard):
/// <list type="bullet">
/// <item>an <b>admin</b> sees and cancels every evaluation;</item>
/// <item>an <b>evaluator</b> sees and cancels only the evaluations it submitted (its token name is the owner); another
/// owner's evaluation is answered NOT_FOUND, exactly as an unknown id, so ids of others' work are not confirmed;</item>
/// <item>a <b>viewer</b> (dashboards, auditors) reads every evaluation and node but changes nothing (PERMISSION_DENIED).</item>
/// </list>
/// The role each call needs is checked before the call by its policy (<see cref="Auth.CoordinatorPolicies"/>); what is
/// left here depends on the evaluation itself.
/// </summary>
public static class EvaluationAccess
{
    /// <summary>True when <paramref name="caller"/> may read an evaluation owned by <paramref name="owner"/>.</summary>
    public static bool CanSee(EvaluatorIdentity caller, string owner)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Role is ApiRole.Admin or ApiRole.Viewer || string.Equals(caller.Name, owner, StringComparison.Ordinal);
    }

    /// <summary>True when <paramref name="caller"/> may cancel an evaluation owned by <paramref name="owner"/>.</summary>
    public static bool CanCancel(EvaluatorIdentity caller, string owner)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Role == ApiRole.Admin || (caller.Role == ApiRole.Evaluator && string.Equals(caller.Name, owner, StringComparison.Ordinal));
    }

    /// <summary>The owner a listing is restricted to for this caller: its own name for an evaluator, null (everyone's) otherwise.</summary>
    public static string? ListOwnerFilter(EvaluatorIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Role == ApiRole.Evaluator ? caller.Name : null;
    }

    /// <summary>The NOT_FOUND answer for an unknown id and for an evaluation the caller may not see, word for word the same.</summary>
    public static RpcException NotFound(string evaluationId) =>
        new(new Status(StatusCode.NotFound, $"Evaluation '{evaluationId}' does not exist."));
}
