using System.Text.Json.Serialization;

namespace Partages.Evaluation.Results;

/// <summary>
/// <c>release</c>: what the node's release gate did to a site result before it left (docs/release-gate.md), so a
/// reader knows which figures are exact and which carry noise. Null in a result that did not go through a gate
/// (local mode). A pooled result carries one too, summing the sites' noise (<see cref="DifferentialPrivacyRelease.Pool"/>).
/// </summary>
public sealed record ReleaseSection
{
    /// <summary>Optional sections left out, each with its reason.</summary>
    public IReadOnlyList<WithheldSection> WithheldSections { get; init; } = [];

    /// <summary>The noise every count carries; null when the hospital switched differential privacy off (exact counts).</summary>
    public DifferentialPrivacyRelease? DifferentialPrivacy { get; init; }

    /// <summary>True when the counts are exact: the dataset's policy says <c>differential_privacy: off</c>.</summary>
    [JsonIgnore]
    public bool IsExact => DifferentialPrivacy is null;
}

public sealed record WithheldSection(string Section, string Reason);

/// <summary>
/// The differential privacy of a release (docs/adr/0006-differential-privacy-by-default.md): discrete Gaussian
/// noise on every count a report can move, accounted in zero-concentrated DP under the replace-one relation.
/// </summary>
/// <param name="Mechanism">Always <c>discrete_gaussian</c>.</param>
/// <param name="Neighbouring">Always <c>replace_one</c>: neighbouring snapshots differ in one report, and have as many lines.</param>
/// <param name="Rho">zCDP ρ this release spent (pooled: the largest site's, each site's guarantee being its own).</param>
/// <param name="Epsilon">ε of this release at <paramref name="Delta"/>, converted from ρ (pooled: the largest site's).</param>
/// <param name="Delta">δ at which ε is stated.</param>
/// <param name="NoiseVariance">Variance of the noise on each count, per section (pooled: summed over the sites).</param>
public sealed record DifferentialPrivacyRelease(
    string Mechanism,
    string Neighbouring,
    double Rho,
    double Epsilon,
    double Delta,
    NoiseVariances NoiseVariance)
{
    public const string DiscreteGaussian = "discrete_gaussian";

    /// <summary>
    /// Distributed Skellam noise for a secure sum (docs/secure-aggregation.md): each contributor's counts carry its share
    /// (the variances stated are that share's), and any <see cref="NoiseThreshold"/> contributors' shares together carry
    /// the noise the guarantee <see cref="Rho"/> needs.
    /// </summary>
    public const string Skellam = "skellam";
    public const string ReplaceOne = "replace_one";

    /// <summary>
    /// Skellam shares only: the fewest contributors whose shares together give the guarantee stated; the node refuses a
    /// secure sum whose threshold is lower. Null for a discrete Gaussian release.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? NoiseThreshold { get; init; }

    /// <summary>The pool's noise: variances add (independent noise per site); ε and ρ are the largest site's.</summary>
    public static DifferentialPrivacyRelease? Pool(IEnumerable<DifferentialPrivacyRelease?> sites)
    {
        var released = sites.Where(s => s is not null).Select(s => s!).ToList();
        if (released.Count == 0)
        {
            return null;
        }

        // A secure sum pools Skellam shares only, all with one threshold (the layout is the same at every member).
        var shares = released.All(s => s.Mechanism == Skellam) && released.Select(s => s.NoiseThreshold).Distinct().Count() == 1;
        return new DifferentialPrivacyRelease(
            shares ? Skellam : DiscreteGaussian,
            ReplaceOne,
            released.Max(s => s.Rho),
            released.Max(s => s.Epsilon),
            released.Max(s => s.Delta),
            new NoiseVariances(
                released.Sum(s => s.NoiseVariance.OutcomeCounts),
                Sum(released, v => v.ScoreHistograms),
                Sum(released, v => v.Calibration),
                Sum(released, v => v.EntityCounts),
                Sum(released, v => v.SeqevalCounts),
                Sum(released, v => v.Cooccurrence),
                Sum(released, v => v.WordCounts),
                Sum(released, v => v.EntityByTypeCounts),
                Sum(released, v => v.EdsNlpExactCounts),
                Sum(released, v => v.EdsNlpTokenCounts),
                Sum(released, v => v.EdsNlpOverlapCounts),
                Sum(released, v => v.SpanAttributeCounts),
                Sum(released, v => v.NormalisationCounts),
                Sum(released, v => v.FragmentCounts)))
        {
            NoiseThreshold = shares ? released[0].NoiseThreshold : null,
        };
    }

    /// <summary>A section's pooled variance: the sum, when every site released the section noised; else null.</summary>
    private static double? Sum(List<DifferentialPrivacyRelease> sites, Func<NoiseVariances, double?> section) =>
        sites.All(s => section(s.NoiseVariance) is not null) ? sites.Sum(s => section(s.NoiseVariance)!.Value) : null;
}

/// <summary>Variance of the noise on each released count, by section; null for a section not released.</summary>
/// <param name="OutcomeCounts">Counts where each report is in one cell: single-label, the confusion-matrix cells and
/// skipped kinds; multi-label, the per-label tp / fp / fn / tn, the exact matches and the other documents, and the
/// skipped kinds; entity recognition, the documents evaluated, the skipped kinds and the reports clipped.</param>
/// <param name="ScoreHistograms">Each bin of each class's positive and negative histogram.</param>
/// <param name="Calibration">Each reliability bin's correct and incorrect counts.</param>
/// <param name="EntityCounts">Entity recognition: nervaluate's outcomes (the boundary matrix's cells, and per type the
/// overlaps of the same and of another type, the missed and the spurious entities), from which every scheme is summed.</param>
/// <param name="SeqevalCounts">Entity recognition: seqeval's per-type tp, fp and fn.</param>
/// <param name="Cooccurrence">Multi-label: each co-occurrence cell off the diagonal (the diagonal is each label's tp).</param>
/// <param name="WordCounts">Entity recognition: seqeval's words and words tagged correctly (each report's first W words).</param>
/// <param name="EntityByTypeCounts">Entity recognition under nervaluate-1: each type's outcomes with the type matched
/// alone (same span, overlap, missed, spurious), from which <c>schemes_by_type</c> is summed.</param>
/// <param name="EdsNlpExactCounts">EDS-NLP ner_exact: per type tp, positives − tp and support − tp.</param>
/// <param name="EdsNlpTokenCounts">EDS-NLP ner_token: per type tp, positives − tp and support − tp over (token, label) items.</param>
/// <param name="EdsNlpOverlapCounts">EDS-NLP ner_overlap: per type true and other predictions, true and other gold spans.</param>
/// <param name="SpanAttributeCounts">span_attribute: per attribute value tp, fp and fn on matched spans.</param>
/// <param name="NormalisationCounts">normalisation: per type matched coded spans with the code predicted and the others.</param>
/// <param name="FragmentCounts">ner_fragments: per type discontinuous entities exact and not, their fragments matched and not.</param>
public sealed record NoiseVariances(
    double OutcomeCounts,
    double? ScoreHistograms,
    double? Calibration,
    double? EntityCounts = null,
    double? SeqevalCounts = null,
    double? Cooccurrence = null,
    double? WordCounts = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? EntityByTypeCounts = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? EdsNlpExactCounts = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? EdsNlpTokenCounts = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? EdsNlpOverlapCounts = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? SpanAttributeCounts = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? NormalisationCounts = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? FragmentCounts = null);
