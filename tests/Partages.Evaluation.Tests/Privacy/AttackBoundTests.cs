namespace Partages.Evaluation.Tests.Privacy;

public class AttackBoundTests
{
    [TestCase(0.0, 0.0, 0.5)]
    [TestCase(0.0, 0.2, 0.6)]
    [TestCase(1.0986122886681098, 0.0, 0.75)]
    [TestCase(1.0, 1e-6, 0.7310588475714263)]
    [TestCase(0.5, 1.0, 1.0)]
    public void MaxSuccess_HandValues_AreTheClosedForm(double epsilon, double delta, double expected)
    {
        // ln 3: e^ε = 3 → 3/4. ε = 1, δ = 1e−6: (e + 1e−6)/(1 + e) = 0.7310585786 + 0.0000002689.
        AttackBound.MaxSuccess(epsilon, delta).Should().BeApproximately(expected, 1e-12);
    }

    [Test]
    public void MaxSuccess_AnyTest_IsTheMaximumOverTheDpConstraints()
    {
        // Brute force over every (x, y) = (P_D(A), P_D′(A)) on a grid allowed by both DP inequalities.
        foreach (var (epsilon, delta) in new[] { (0.5, 0.0), (1.0, 0.01), (2.0, 1e-3) })
        {
            var e = Math.Exp(epsilon);
            double best = 0;
            for (var i = 0; i <= 2000; i++)
            {
                for (var j = 0; j <= 2000; j++)
                {
                    double x = i / 2000.0, y = j / 2000.0;
                    if (x <= e * y + delta && 1 - y <= e * (1 - x) + delta)
                    {
                        best = Math.Max(best, 0.5 * x + 0.5 * (1 - y));
                    }
                }
            }

            AttackBound.MaxSuccess(epsilon, delta).Should().BeGreaterThanOrEqualTo(best).And.BeApproximately(best, 1e-3);
        }
    }

    [Test]
    public void MaxSuccess_HugeEpsilon_IsOneNotNaN() => AttackBound.MaxSuccess(1000, 0).Should().Be(1);

    [Test]
    public void MaxSuccess_NegativeEpsilon_Throws() =>
        FluentActions.Invoking(() => AttackBound.MaxSuccess(-0.1, 0)).Should().Throw<ArgumentOutOfRangeException>();
}
