namespace Partages.Evaluation.Results;

/// <summary>
/// <c>release</c>: what the node's release gate did to a site result before it left (docs/release-gate.md), so a
/// reader knows which figures are exact, which were suppressed, merged or noised. Null in a result that did not go
/// through a gate (local mode, pooled results).
/// </summary>
/// <param name="MinCellCount">k: every released count is 0 or at least k documents.</param>
/// <param name="SuppressedCells">Counts released as 0 because they held between 1 and k − 1 documents.</param>
/// <param name="MergedHistogramBins">Score-histogram bins whose documents were moved into a neighbouring bin (never dropped).</param>
/// <param name="WithheldSections">Optional sections left out (e.g. <c>calibration</c>), each with its reason.</param>
/// <param name="DifferentialPrivacy">The noise added, when the dataset's policy asks for differential privacy; else null.</param>
public sealed record ReleaseSection(
    int MinCellCount,
    long SuppressedCells,
    long MergedHistogramBins,
    IReadOnlyList<WithheldSection> WithheldSections,
    DifferentialPrivacyRelease? DifferentialPrivacy);

public sealed record WithheldSection(string Section, string Reason);

/// <param name="Mechanism">Always <c>discrete_laplace</c> (two-sided geometric noise on every released count).</param>
/// <param name="Epsilon">ε spent by this release.</param>
/// <param name="Sensitivity">L1 sensitivity of the released counts to adding or removing one document.</param>
public sealed record DifferentialPrivacyRelease(string Mechanism, double Epsilon, int Sensitivity)
{
    public const string DiscreteLaplace = "discrete_laplace";
}
