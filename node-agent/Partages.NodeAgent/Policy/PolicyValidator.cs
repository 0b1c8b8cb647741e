namespace Partages.NodeAgent.Policy;

/// <summary>
/// The rules of policy.yaml, one validator per part, kept apart from the reading (<see cref="PolicyLoader"/>: YAML
/// shape, types and ranges). Each returns every problem it finds; the loader places each at its line.
/// </summary>
public static class PolicyValidator
{
    /// <summary>One entry of datasets: a dataset of node.yaml, listed once (<paramref name="seen"/>), with a snapshot fingerprint.</summary>
    public static IEnumerable<FieldError> Dataset(string? name, string? snapshotText, NodeConfig config, ISet<string> seen)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(seen);
        if (name is not null && config.FindDataset(name) is null)
        {
            yield return new("name", $"'{name}' is not a dataset of {config.SourcePath} (its datasets: {string.Join(", ", config.Datasets.Select(d => d.Name))})");
        }
        else if (name is not null && !seen.Add(name))
        {
            yield return new("name", $"'{name}' is listed more than once");
        }

        if (snapshotText is not null && PolicyLoader.NormalizeSha256(snapshotText) is null)
        {
            yield return new("snapshot_sha256", "must be a SHA-256 (64 hex digits); 'Partages.NodeAgent check' prints each dataset's current fingerprint");
        }
    }

    /// <summary>One entry of models.trusted_signers: a name listed once (<paramref name="names"/>), an ECDSA P-256 public key.</summary>
    public static IEnumerable<FieldError> Signer(string? name, string? publicKey, ISet<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (name is not null && !names.Add(name))
        {
            yield return new("name", $"'{name}' is listed more than once");
        }

        if (publicKey is not null && PolicyLoader.CheckSignerKey(publicKey) is { } problem)
        {
            yield return new("public_key", problem);
        }
    }

    /// <summary>approval: auto or manual.</summary>
    public static IEnumerable<FieldError> Approval(string mode)
    {
        if (mode is not ("auto" or "manual"))
        {
            yield return new("approval", $"'{mode}' is neither 'auto' nor 'manual'");
        }
    }
}
