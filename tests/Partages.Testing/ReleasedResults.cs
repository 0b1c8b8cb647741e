using Partages.Evaluation.Results;

namespace Partages.Testing;

/// <summary>
/// Results as the coordinator holds them after the nodes released them, hand-made for the renderers' tests (the CLI's
/// tables and formats, the dashboard's pages): the same release and the same pooled document written once.
/// </summary>
public static class ReleasedResults
{
    /// <summary>A discrete Gaussian release under replace-one neighbours at ε 1, δ 10⁻⁶ (ρ 0.0175), with these variances.</summary>
    public static ReleaseSection DifferentialPrivacy(NoiseVariances variances) => new()
    {
        DifferentialPrivacy = new DifferentialPrivacyRelease(DifferentialPrivacyRelease.DiscreteGaussian, DifferentialPrivacyRelease.ReplaceOne, 0.0175, 1, 1e-6, variances),
    };

    /// <summary>
    /// A pooled document that includes every site given, in that order, and misses none. <paramref name="pooled"/> is
    /// the pooled figures as given (not pooled from the sites), or null for a renderer that reads the sites only.
    /// </summary>
    public static PooledResultDocument Pooled(string task, ResultDocument? pooled, params (string Name, ResultDocument Result)[] sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        return new PooledResultDocument
        {
            Task = task,
            Pooled = pooled,
            PerSite = sites.ToDictionary(s => s.Name, s => s.Result, StringComparer.Ordinal),
            IncludedSites = [.. sites.Select(s => s.Name)],
            MissingSites = [],
        };
    }
}
