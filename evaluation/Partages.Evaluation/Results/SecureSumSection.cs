namespace Partages.Evaluation.Results;

/// <summary>
/// <c>secure_sum</c> of a pooled-only evaluation's result (docs/secure-aggregation.md): the pooled figures are a
/// secure sum — the coordinator learned only the sum of the contributors' counts — so there is no per-site result,
/// and heterogeneity and forest plots are not available.
/// </summary>
/// <param name="Method">How the sum was computed: <see cref="Bonawitz2017"/>.</param>
/// <param name="Threshold">t: the fewest survivors that could unmask the sum.</param>
/// <param name="IntendedCohort">The evaluation's sites, as the coordinator formed the cohort.</param>
/// <param name="Contributors">The sites whose counts are in the sum.</param>
/// <param name="DroppedAfterSharing">Sites that shared their keys but sent no vector: not in the sum (their masks were removed from the shares).</param>
/// <param name="LeftOut">Sites that dropped (or refused) before sharing: in no mask and not in the sum.</param>
/// <param name="Refusals">Sites that refused the cohort, with their reason (peers and counts, never a figure).</param>
public sealed record SecureSumSection(
    string Method,
    int Threshold,
    IReadOnlyList<string> IntendedCohort,
    IReadOnlyList<string> Contributors,
    IReadOnlyList<string> DroppedAfterSharing,
    IReadOnlyList<string> LeftOut,
    IReadOnlyDictionary<string, string> Refusals)
{
    public const string Bonawitz2017 = "secagg-double-masking-bonawitz-2017";

    /// <summary>What the CLI and the dashboard print where a per-site figure or a meta-analysis would be.</summary>
    public const string NotAvailable = "not available in a pooled-only evaluation";
}
