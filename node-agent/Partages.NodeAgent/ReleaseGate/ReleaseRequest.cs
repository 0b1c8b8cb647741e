namespace Partages.NodeAgent.ReleaseGate;

/// <summary>
/// What the release gate must know about a finished run besides its result: which run, on which dataset, and the
/// identity of the request — spec and bundle SHA-256 — that, with the dataset's fingerprint, makes a repeated
/// request recognisable (the repeat cache) and names the privacy budget to charge. Hashes and names only.
/// </summary>
public sealed record ReleaseRequest(string RunId, DatasetDefinition Dataset, string SpecSha256, string BundleSha256)
{
    /// <summary>The snapshot's fingerprint as admission checked it; null when admission did not (the gate then hashes the file).</summary>
    public string? DatasetFingerprint { get; init; }

    /// <summary>A pooled-only evaluation: the counts go into a secure sum, with this node's share of Skellam noise under DP.</summary>
    public bool PooledOnly { get; init; }
}
