namespace Partages.NodeAgent.Tests.ReleaseGate;

/// <summary>
/// The rules most release gate tests apply: at least 20 documents, and differential privacy at ε 1 a release out of a
/// budget of 10 (δ 1e-6), or exact counts.
/// </summary>
internal static class TestDisclosureRules
{
    public static readonly DifferentialPrivacyPolicy Privacy = new() { EpsilonPerRelease = 1, EpsilonBudget = 10, Delta = 1e-6 };
    public static readonly DisclosureRules Private = new(MinDatasetDocuments: 20, Privacy);
    public static readonly DisclosureRules Exact = new(MinDatasetDocuments: 20, DifferentialPrivacyPolicy.Off);
}
