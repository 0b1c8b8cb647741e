namespace Partages.NodeAgent.Cli;

/// <summary>What the agent's exit code means (docs/node-agent.md lists them for operators and scripts).</summary>
public static class ExitCodes
{
    /// <summary>Success: enrolled; the agent stopped cleanly; every check passed; <c>health</c>: ready (or alive, with <c>--liveness</c>).</summary>
    public const int Ok = 0;

    /// <summary>
    /// <c>check</c> found a problem; <c>audit verify</c>: a line was changed, removed or reordered (the hash chain
    /// breaks); <c>run</c> stopped on an unexpected error; <c>health</c>: not ready (connecting,
    /// disconnected, heartbeat too old, stopped) or, with <c>--liveness</c>, not alive (status file too old, stopped);
    /// also no status file yet, or an unreadable one. <c>health</c> prints why on one line.
    /// </summary>
    public const int Failure = 1;

    /// <summary>Bad command line (e.g. <c>--max-age-seconds 0</c>), or node.yaml (or the agent's settings) invalid: every error is printed.</summary>
    public const int InvalidConfiguration = 2;

    /// <summary><c>run</c>: not enrolled, or the identity files are unusable (expired, wrong CA). <c>enroll</c>: already enrolled.</summary>
    public const int IdentityProblem = 3;

    /// <summary><c>enroll</c>: the server is not the pinned coordinator (CA pin mismatch, certificate not issued by that CA).</summary>
    public const int UntrustedCoordinator = 4;

    /// <summary><c>enroll</c>: the coordinator refused (token unknown, used or expired; CSR refused) or answered something unusable.</summary>
    public const int EnrollmentRefused = 5;

    /// <summary><c>enroll</c>: the coordinator could not be reached.</summary>
    public const int Unreachable = 6;

    /// <summary>
    /// <c>audit verify</c>: the log ends before the entry the coordinator last saw (its anchor, or the last anchor
    /// saved when the coordinator is out of reach): lines were cut from its end.
    /// </summary>
    public const int AuditTruncated = 7;

    /// <summary>
    /// <c>audit verify</c>: the chain is consistent but rewritten: the entry at the anchored sequence has another hash,
    /// a checkpoint signed with the node's key does not verify, or more entries than the checkpoint interval follow
    /// the last valid checkpoint.
    /// </summary>
    public const int AuditRewritten = 8;
}
