using System.Text.Json;
using Partages.Evaluation;
using Partages.Evaluation.Results;
using Partages.Telemetry;

namespace Partages.Coordinator.Results;

/// <summary>
/// The reproducibility manifest (<see cref="ReproducibilityManifest"/>): each node's part is kept with its run's
/// result (<see cref="FromNode"/>), and the whole is written into the pooled document when the evaluation closes
/// (<see cref="Attach"/>), so it is as immutable as the result it describes.
/// </summary>
public static class ManifestIntake
{
    // Version strings and dataset names are short; anything longer is not what a node sends, and is cut.
    private const int MaxFieldLength = 200;

    /// <summary>"1.2.3", as the node agent reports its own (the informational version without its commit).</summary>
    public static string CoordinatorVersion { get; } = AssemblyVersion.Of(typeof(ManifestIntake).Assembly);

    /// <summary>
    /// The node's part as stored on its run (JSON of <see cref="SiteManifest"/> without the run's own ids), or "" when
    /// the node sent none (an older agent). A fingerprint that is not a SHA-256 is kept out, never passed on.
    /// </summary>
    public static string FromNode(RunManifest? manifest)
    {
        if (manifest is null)
        {
            return "";
        }

        var fingerprint = manifest.DatasetFingerprint.ToLowerInvariant();
        var part = new NodePart(
            Clean(manifest.Dataset),
            ContentHash.IsWellFormed(fingerprint) ? fingerprint : null,
            Clean(manifest.AgentVersion),
            Clean(manifest.OnnxruntimeVersion));
        return JsonSerializer.Serialize(part, ResultJson.Options);
    }

    /// <summary>The pooled document's JSON with the manifest of the evaluation's included sites.</summary>
    public static string Attach(PooledResultDocument pooled, EvaluationEntity evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var sites = new SortedDictionary<string, SiteManifest>(StringComparer.Ordinal);
        foreach (var run in evaluation.Runs.Where(r => r.Status == RunStatus.Succeeded))
        {
            var part = run.ManifestJson.Length == 0 ? null : JsonSerializer.Deserialize<NodePart>(run.ManifestJson, ResultJson.Options);
            sites[run.NodeName] = new SiteManifest
            {
                RunId = run.Id,
                Dataset = part?.Dataset,
                DatasetFingerprint = part?.DatasetFingerprint,
                AgentVersion = part?.AgentVersion,
                OnnxruntimeVersion = part?.OnnxruntimeVersion,
                ResultSha256 = run.ResultSha256,
            };
        }

        return ReproducibilityManifest.AttachTo(pooled, new ReproducibilityManifest
        {
            EvaluationId = evaluation.Id,
            SpecSha256 = evaluation.SpecSha256,
            ModelBundleSha256 = evaluation.ModelBundleSha256,
            CoordinatorVersion = CoordinatorVersion,
            Robustness = Robustness(evaluation.SpecYaml),
            Sites = sites,
        });
    }

    /// <summary>The spec's robustness suite with its seeds (the spec was validated at submission); null when it lists none.</summary>
    private static IReadOnlyList<ManifestPerturbation>? Robustness(string specYaml)
    {
        var suite = Partages.Evaluation.Specs.SpecParser.Parse(specYaml).Spec?.Robustness ?? [];
        return suite.Count == 0 ? null : [.. suite.Select(r => new ManifestPerturbation(r.Name, r.Kind, r.Parameters, r.Seed))];
    }

    private static string? Clean(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim()[..Math.Min(value.Trim().Length, MaxFieldLength)];

    /// <summary>What a run's row keeps of the node's <see cref="RunManifest"/>.</summary>
    private sealed record NodePart(string? Dataset, string? DatasetFingerprint, string? AgentVersion, string? OnnxruntimeVersion);
}
