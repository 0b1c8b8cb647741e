using Partages.SecureAggregation.Noise;

namespace Partages.SecureAggregation.Tests.Noise;

/// <summary>
/// The calibration of a secure sum's Skellam noise (docs/secure-aggregation.md, "Distributed noise"): the simplified
/// bound against the paper's, against the exact Rényi divergence of the Skellam distribution computed numerically,
/// and the inflation that makes the sum as private as the discrete Gaussian release it replaces.
/// </summary>
public sealed class SkellamCalibrationTests
{
    private static readonly double[] Variances = [2, 8, 30, 72, 500, 40_000];

    [Test]
    public void Rho_AnyIntegerOrder_BoundsThePaperTheoremForIntegerSensitivities()
    {
        // A confusion matrix under replace-one: two cells move by one (Δ₁ = 2, Δ₂² = 2); a histogram pair: Δ₁ = Δ₂² = 2C.
        (double L1, double L2Squared)[] sensitivities = [(2, 2), (1, 1), (6, 6), (4, 8)];
        foreach (var variance in Variances)
        {
            foreach (var (l1, l2) in sensitivities)
            {
                var gaussianRho = l2 / (2 * variance);
                for (var alpha = 2; alpha <= 400; alpha++)
                {
                    var paper = SkellamCalibration.PaperRdp(alpha, l1, l2, variance);
                    (alpha * SkellamCalibration.Rho(gaussianRho, variance) / SkellamCalibration.RealOrderFactor)
                        .Should().BeGreaterThanOrEqualTo(paper * (1 - 1e-12), "V = {0}, Δ₁ = {1}, Δ₂² = {2}, α = {3}", variance, l1, l2, alpha);
                }
            }
        }
    }

    [TestCase(8.0)]
    [TestCase(30.0)]
    [TestCase(72.0)]
    public void Rho_RealOrders_BoundsTheExactRenyiDivergenceOfAShiftByOne(double variance)
    {
        // D_α(Sk + 1 ‖ Sk) summed from the exact probabilities, at real orders between and on the integers.
        var pmf = SkellamPmf(variance / 2, out var offset);
        var rho = SkellamCalibration.Rho(1 / (2 * variance), variance);
        foreach (var alpha in new[] { 2.0, 2.5, 3.0, 4.7, 10.0, 33.3 })
        {
            double sum = 0;
            for (var k = 1; k < pmf.Length; k++)
            {
                if (pmf[k] > 0 && pmf[k - 1] > 0)
                {
                    sum += Math.Exp((alpha * Math.Log(pmf[k - 1])) + ((1 - alpha) * Math.Log(pmf[k])));
                }
            }

            var divergence = Math.Log(sum) / (alpha - 1);
            divergence.Should().BeLessThanOrEqualTo(alpha * rho, "α = {0}, V = {1} (offset {2})", alpha, variance, offset);
            if (alpha <= 4.7)
            {
                // At large α a small Skellam is lighter-tailed than the Gaussian; at moderate α it is close to it.
                divergence.Should().BeGreaterThan(alpha / (2 * variance) * 0.8, "the bound is not vacuous: close to the Gaussian's");
            }
        }
    }

    [TestCase(1.0)]
    [TestCase(7.3)]
    [TestCase(72.0)]
    [TestCase(438_000.0)]
    public void Inflation_AnySmallestVariance_MakesTheSkellamSumAsPrivateAsTheGaussian(double smallest)
    {
        const double rho = 0.0138;
        var y = SkellamCalibration.Inflation(smallest);

        SkellamCalibration.Rho(rho / y, y * smallest).Should().BeLessThanOrEqualTo(rho);
        y.Should().BeGreaterThanOrEqualTo(SkellamCalibration.RealOrderFactor);
        SkellamCalibration.Rho(rho / (y * 0.999), y * 0.999 * smallest).Should().BeGreaterThan(rho, "y is the smallest that works");
    }

    [Test]
    public void Inflation_LargeVariance_TendsToNineEighths() =>
        SkellamCalibration.Inflation(1e9).Should().BeApproximately(SkellamCalibration.RealOrderFactor, 1e-6);

    [TestCase(0.0)]
    [TestCase(-1.0)]
    [TestCase(double.NaN)]
    public void Inflation_NotPositive_Throws(double smallest) =>
        FluentActions.Invoking(() => SkellamCalibration.Inflation(smallest)).Should().Throw<ArgumentOutOfRangeException>();

    /// <summary>P(Poisson(μ) − Poisson(μ) = k − offset) for k in the returned array, by convolution of the Poisson laws.</summary>
    private static double[] SkellamPmf(double mu, out int offset)
    {
        var top = (int)Math.Ceiling(mu + (40 * Math.Sqrt(mu)) + 40);
        var poisson = new double[top + 1];
        for (var k = 0; k <= top; k++)
        {
            poisson[k] = Math.Exp((k * Math.Log(mu)) - mu - LogFactorial(k));
        }

        offset = top;
        var pmf = new double[(2 * top) + 1];
        for (var a = 0; a <= top; a++)
        {
            for (var b = 0; b <= top; b++)
            {
                pmf[a - b + top] += poisson[a] * poisson[b];
            }
        }

        return pmf;
    }

    private static double LogFactorial(int k)
    {
        double sum = 0;
        for (var i = 2; i <= k; i++)
        {
            sum += Math.Log(i);
        }

        return sum;
    }
}
