namespace Partages.NodeAgent.Tests.ReleaseGate;

/// <summary>
/// Finding 1 of the privacy issue, as a statistical test of the guarantee on the real release code
/// (docs/threat-model.md, "The differencing attack"). A hostile evaluator whose key the hospital trusts ships two
/// bundles and evaluates both on the same 20-report snapshot: the first predicts R only for the one report that holds
/// a token it planted in its vocabulary, the second never predicts R. Without noise one confusion-matrix cell reads 1,
/// then 0, and the target's gold label is known. Here each trial draws the target's label 50/50, releases both results
/// through <see cref="DisclosureControl"/> with the production sampler, and the attacker scores them with the
/// statistic that uses every cell the target moves; across trials the attacker's best threshold must stay within
/// (e^ε′ + δ′)/(1 + e^ε′) plus three standard errors, ε′ being what the accountant charges for both releases.
/// </summary>
public sealed class DifferencingAttackTests
{
    private const int Trials = 400;
    private const double Delta = 1e-6;
    private static readonly string[] s_labels = ["R", "S"];

    /// <summary>The per-release ε that makes two releases compose (zCDP) to ε′ = 1 at δ.</summary>
    private static readonly double s_epsilonPerRelease = Zcdp.EpsilonOf(Zcdp.RhoFor(1.0, Delta) / 2, Delta);

    private static readonly DifferentialPrivacyPolicy s_privacy = new() { EpsilonPerRelease = s_epsilonPerRelease, EpsilonBudget = 1.0, Delta = Delta };

    [Test]
    public void TwoBundleDifferencing_400Trials_AttackerSuccessWithinTheDpBound()
    {
        var rules = new DisclosureRules(MinDatasetDocuments: 20, s_privacy);
        var statistics = new double[Trials];
        var truths = new bool[Trials];
        for (var t = 0; t < Trials; t++)
        {
            // 19 known reports (10 R, 9 S) and the target, whose label is the secret.
            var targetIsR = RandomBit();
            truths[t] = targetIsR;
            var first = DisclosureControl.Apply(Planted(targetIsR), rules, DiscreteGaussianNoise.Instance).ConfusionMatrix.Matrix;
            var second = DisclosureControl.Apply(NeverR(targetIsR), rules, DiscreteGaussianNoise.Instance).ConfusionMatrix.Matrix;
            // Target R adds 1 to first[R][R], 1 to second[R][S]; target S adds 1 to first[S][R] and second[S][S].
            statistics[t] = first[0][0] - first[1][0] + second[0][1] - second[1][1];
        }

        var success = BestThresholdSuccess(statistics, truths);
        var bound = AttackBound.MaxSuccess(1.0, Delta);
        var standardError = Math.Sqrt(bound * (1 - bound) / Trials);
        TestContext.Out.WriteLine($"ε per release {s_epsilonPerRelease:0.0000}, ε′ for both 1 at δ {Delta}: attacker's best-threshold success {success:0.000} over {Trials} trials; bound {bound:0.000} + 3 SE {3 * standardError:0.000}");
        success.Should().BeLessThanOrEqualTo(bound + 3 * standardError);
    }

    [Test]
    public void TwoBundleDifferencing_WithoutNoise_AttackerAlwaysRight()
    {
        // The same attack on exact counts (what left the node before): the test above is not one that cannot fail.
        var rules = new DisclosureRules(MinDatasetDocuments: 20, DifferentialPrivacyPolicy.Off);
        var statistics = new double[40];
        var truths = new bool[40];
        for (var t = 0; t < statistics.Length; t++)
        {
            truths[t] = t % 2 == 0;
            var first = DisclosureControl.Apply(Planted(truths[t]), rules, DiscreteGaussianNoise.Instance).ConfusionMatrix.Matrix;
            var second = DisclosureControl.Apply(NeverR(truths[t]), rules, DiscreteGaussianNoise.Instance).ConfusionMatrix.Matrix;
            statistics[t] = first[0][0] - first[1][0] + second[0][1] - second[1][1];
        }

        BestThresholdSuccess(statistics, truths).Should().Be(1.0);
    }

    [Test]
    public void Ledger_AfterTheTwoReleases_ShowsTheEpsilonTheBoundUses()
    {
        using var directory = new TestDirectory();
        var accountant = new PrivacyAccountant(directory.Path, TimeProvider.System);

        accountant.ChargeRelease("twenty-reports", "run-planted", s_privacy.RhoPerRelease, s_privacy.EpsilonBudget, Delta);
        accountant.ChargeRelease("twenty-reports", "run-never", s_privacy.RhoPerRelease, s_privacy.EpsilonBudget, Delta);

        accountant.Spent("twenty-reports").EpsilonAt(Delta).Should().BeApproximately(1.0, 1e-6);
        var third = () => accountant.ChargeRelease("twenty-reports", "run-third", s_privacy.RhoPerRelease, s_privacy.EpsilonBudget, Delta);
        third.Should().Throw<EvaluationRefusedException>("a budget of ε′ = 1 allows exactly these two releases");
    }

    /// <summary>The planted bundle: the target is predicted R, every other report S.</summary>
    private static ResultDocument Planted(bool targetIsR) => Result([[targetIsR ? 1 : 0, 10], [targetIsR ? 0 : 1, 9]]);

    /// <summary>The second bundle: every report predicted S.</summary>
    private static ResultDocument NeverR(bool targetIsR) => Result([[0, 10 + (targetIsR ? 1 : 0)], [0, 9 + (targetIsR ? 0 : 1)]]);

    private static ResultDocument Result(long[][] matrix)
    {
        var counts = ClassificationCounts.FromMatrix(s_labels, [.. matrix.Select(r => (IReadOnlyList<long>)r)]);
        return ResultDocument.FromCounts("single_label_classification", counts, new InputSummary { DocumentsEvaluated = 20, DocumentsRead = 20 });
    }

    /// <summary>The attacker's best single threshold (either direction), chosen after seeing every trial: optimistic for the attacker.</summary>
    private static double BestThresholdSuccess(double[] statistics, bool[] truths)
    {
        var best = 0.5;
        foreach (var threshold in statistics.Distinct().Append(double.NegativeInfinity))
        {
            var right = statistics.Zip(truths).Count(p => p.First > threshold == p.Second);
            best = Math.Max(best, Math.Max(right, statistics.Length - right) / (double)statistics.Length);
        }

        return best;
    }

    private static bool RandomBit() => System.Security.Cryptography.RandomNumberGenerator.GetInt32(2) == 1;
}
