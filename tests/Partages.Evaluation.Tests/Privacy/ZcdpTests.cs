namespace Partages.Evaluation.Tests.Privacy;

public class ZcdpTests
{
    private static readonly double[] Rhos = [1e-4, 0.001, 0.01, 0.0245, 0.1, 0.5, 1, 5];
    private static readonly double[] Deltas = [1e-3, 1e-5, 1e-6, 1e-9];

    [Test]
    public void RhoOf_ConfusionMatrixSensitivity_IsDeltaSquaredOverTwoSigmaSquared()
    {
        // Replace-one on a confusion matrix: Δ₂² = 2; σ² = 100 → ρ = 2/200.
        Zcdp.RhoOf(2, 100).Should().Be(0.01);
        Zcdp.SigmaSquaredFor(0.01, 2).Should().Be(100);
    }

    [Test]
    public void SigmaSquaredFor_ThenRhoOf_RoundTrips()
    {
        foreach (var rho in Rhos)
        {
            Zcdp.RhoOf(6, Zcdp.SigmaSquaredFor(rho, 6)).Should().BeApproximately(rho, rho * 1e-15);
        }
    }

    [Test]
    public void EpsilonOf_GoldenValues_MatchAnIndependentGridComputation()
    {
        // Independent check (an awk script, not this code): δ(ρ, ε) = exp of the minimum over ln(α−1) ∈ [−14, 10],
        // step 0.0001, of (α−1)(αρ−ε) + α ln((α−1)/α) − ln(α−1); ε by 60 bisections. The grid's minimum sits above
        // the true infimum by ~3e−8 in ln δ, hence the tolerance. Values:
        // ρ = 0.5, δ = 1e−5 → ε = 4.7283869856 (Bun–Steinke: 0.5 + 2√(0.5 ln 1e5) = 5.2985259122);
        // ρ = 0.01, δ = 1e−6 → ε = 0.6216926546 (Bun–Steinke 0.7533844378); ρ = 0.1, δ = 1e−6 → ε = 2.1419389288.
        Zcdp.EpsilonOf(0.5, 1e-5).Should().BeApproximately(4.7283869856, 2e-8);
        Zcdp.EpsilonOf(0.01, 1e-6).Should().BeApproximately(0.6216926546, 2e-8);
        Zcdp.EpsilonOf(0.1, 1e-6).Should().BeApproximately(2.1419389288, 2e-8);
    }

    [Test]
    public void DeltaOf_HandValue_IsAtMostTheObjectiveAtBunSteinkesAlpha()
    {
        // ρ = ½, ε = 4, α = (ε+ρ)/(2ρ) = 4.5: exp(3.5·(2.25 − 4))/3.5 · (1 − 1/4.5)^4.5
        // = e^−6.125/3.5 · (7/9)^4.5 = 0.00218749/3.5 · 0.322734 = 2.01710e−4. The infimum over α is a little lower:
        // 1.957954e−4 (the awk grid above).
        var atAlpha = Math.Exp(3.5 * (2.25 - 4)) / 3.5 * Math.Pow(7.0 / 9, 4.5);

        atAlpha.Should().BeApproximately(2.01710e-4, 1e-9);
        Zcdp.DeltaOf(0.5, 4).Should().BeLessThan(atAlpha).And.BeApproximately(1.957954e-4, 1e-9);
    }

    [Test]
    public void EpsilonOf_AnyRhoAndDelta_NeverWorseThanBunSteinke()
    {
        foreach (var rho in Rhos)
        {
            foreach (var delta in Deltas)
            {
                var bunSteinke = rho + 2 * Math.Sqrt(rho * Math.Log(1 / delta));
                Zcdp.EpsilonOf(rho, delta).Should().BeLessThanOrEqualTo(bunSteinke, "ρ = {0}, δ = {1}", rho, delta);
            }
        }
    }

    [Test]
    public void EpsilonOf_LargerRhoOrSmallerDelta_IsLarger()
    {
        foreach (var delta in Deltas)
        {
            Rhos.Select(rho => Zcdp.EpsilonOf(rho, delta)).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        }

        foreach (var rho in Rhos)
        {
            Deltas.Select(delta => Zcdp.EpsilonOf(rho, delta)).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        }
    }

    [Test]
    public void EpsilonOf_ThenDeltaOf_GivesBackAtMostDelta()
    {
        foreach (var rho in Rhos)
        {
            foreach (var delta in Deltas)
            {
                var epsilon = Zcdp.EpsilonOf(rho, delta);
                var back = Zcdp.DeltaOf(rho, epsilon);
                back.Should().BeLessThanOrEqualTo(delta, "the reported ε must hold").And.BeGreaterThan(delta * 0.999999);
            }
        }
    }

    [Test]
    public void RhoFor_ThenEpsilonOf_RoundTripsAndStaysWithinBudget()
    {
        foreach (var epsilon in new[] { 0.1, 0.5, 1, 2, 4, 8 })
        {
            foreach (var delta in Deltas)
            {
                var rho = Zcdp.RhoFor(epsilon, delta);
                var back = Zcdp.EpsilonOf(rho, delta);
                back.Should().BeLessThanOrEqualTo(epsilon * (1 + 1e-12), "spending ρ must not exceed ε").And.BeApproximately(epsilon, epsilon * 1e-9);
                Zcdp.EpsilonOf(rho * 1.0001, delta).Should().BeGreaterThan(epsilon, "ρ is the largest that fits");
            }
        }
    }

    [Test]
    public void RhoFor_EpsilonOneDeltaOneInAMillion_BeatsBunSteinkesRho()
    {
        // Bun–Steinke inverted: √ρ = √(ln(1/δ) + ε) − √(ln(1/δ)) = √14.8155 − √13.8155 = 3.84909 − 3.71692
        // = 0.13217 → ρ = 0.017469.
        var bunSteinke = Math.Pow(Math.Sqrt(Math.Log(1e6) + 1) - Math.Sqrt(Math.Log(1e6)), 2);

        bunSteinke.Should().BeApproximately(0.017469, 1e-6);
        Zcdp.RhoFor(1, 1e-6).Should().BeGreaterThan(bunSteinke);
    }

    [Test]
    public void EpsilonOf_ZeroRho_IsZero() => Zcdp.EpsilonOf(0, 1e-6).Should().Be(0);

    [TestCase(-1.0)]
    [TestCase(double.NaN)]
    public void RhoOf_InvalidSensitivity_Throws(double sensitivitySquared) =>
        FluentActions.Invoking(() => Zcdp.RhoOf(sensitivitySquared, 1)).Should().Throw<ArgumentOutOfRangeException>();

    [TestCase(0.0)]
    [TestCase(1.0)]
    public void EpsilonOf_DeltaOutsideOpenUnitInterval_Throws(double delta) =>
        FluentActions.Invoking(() => Zcdp.EpsilonOf(0.1, delta)).Should().Throw<ArgumentOutOfRangeException>();
}
