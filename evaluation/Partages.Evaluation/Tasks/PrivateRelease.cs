using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks;

/// <summary>
/// What a task's differential-privacy release rule needs from the node: the dataset's budget for one release, the
/// bounds the engine counted under, the skipped kinds its readers know, and the noise.
/// </summary>
/// <param name="RhoPerRelease">zCDP ρ one release charges.</param>
/// <param name="Delta">δ at which ε is stated.</param>
/// <param name="MaxEntitiesPerReport">Entity recognition: the bound m on entities per report and type.</param>
/// <param name="MaxWordsPerReport">Entity recognition: the bound W on words per report.</param>
/// <param name="KnownSkipKinds">Every kind a reader can set a line aside for: all are released, so which exist says nothing about the data.</param>
/// <param name="Noise">The discrete Gaussian sampler.</param>
public sealed record PrivateRelease(
    double RhoPerRelease,
    double Delta,
    int MaxEntitiesPerReport,
    int MaxWordsPerReport,
    IReadOnlyList<string> KnownSkipKinds,
    ICountNoise Noise)
{
    /// <summary>Where a kind no reader declares would go (none should: it keeps the released cells data-independent).</summary>
    public const string OtherSkipKind = "other";

    /// <summary>The <c>release.differential_privacy</c> section of a release charging <see cref="RhoPerRelease"/>, with each section's noise variance.</summary>
    public DifferentialPrivacyRelease Describe(NoiseVariances variances) => new(
        DifferentialPrivacyRelease.DiscreteGaussian,
        DifferentialPrivacyRelease.ReplaceOne,
        RhoPerRelease,
        Zcdp.EpsilonOf(RhoPerRelease, Delta),
        Delta,
        variances);

    /// <summary>One draw of N_Z(0, σ²).</summary>
    public long Sample(Rational sigmaSquared) => Noise.Sample(sigmaSquared);

    /// <summary>Every known skipped kind (and <see cref="OtherSkipKind"/>) with noise of variance <paramref name="variance"/>, whether or not any line was of that kind.</summary>
    public SortedDictionary<string, long> NoisySkipped(IReadOnlyDictionary<string, long> exact, Rational variance)
    {
        ArgumentNullException.ThrowIfNull(exact);
        var released = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var kind in KnownSkipKinds.Append(OtherSkipKind))
        {
            released[kind] = 0;
        }

        foreach (var (kind, count) in exact)
        {
            released[released.ContainsKey(kind) ? kind : OtherSkipKind] += count;
        }

        foreach (var kind in released.Keys.ToList())
        {
            released[kind] += Noise.Sample(variance);
        }

        return released;
    }
}
