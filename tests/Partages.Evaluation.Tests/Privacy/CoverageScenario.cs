namespace Partages.Evaluation.Tests.Privacy;

/// <summary>
/// Repeated simulated releases for coverage checks: a fixed population (a confusion-probability matrix and the
/// score distributions of positives and negatives on <see cref="DpScoreGrid"/>), datasets drawn from it, the exact
/// discrete Gaussian mechanism applied, and the 95 % intervals compared with the population's true figures (the
/// estimand includes sampling error: the population's accuracy, recall of class 0, and AUROC on the coarse grid,
/// ties counted ½). Class 0's recall is the figure checked per class.
/// </summary>
internal sealed class CoverageScenario
{
    public required double[][] ConfusionProbabilities { get; init; }

    public required int Documents { get; init; }

    public required double CellVariance { get; init; }

    public required double BinVariance { get; init; }

    /// <summary>Logit-normal scores: positives N(μ, s²) in logit, negatives N(−μ, s²); positives are a share of the documents.</summary>
    public double ScoreSeparation { get; init; } = 2;

    public double ScoreSpread { get; init; } = 1.5;

    public double PositiveShare { get; init; } = 0.3;

    public int ClassificationSimulations { get; init; } = 2000;

    public int AurocSimulations { get; init; } = 2000;

    public sealed record Result(int Trials, int AccuracyCovered, int RecallCovered, int AurocCovered, int AurocNotEstimable, double AccuracyTrue, double RecallTrue, double AurocTrue,
        double MeanAccuracyWidth, double MeanAurocWidth, double MeanAurocEstimate);

    /// <summary>
    /// Runs the trials, two at a time (each trial has its own generator, seeded from the seed and its index, so the
    /// result does not depend on scheduling).
    /// </summary>
    public Result Run(int trials, ulong seed)
    {
        var c = ConfusionProbabilities.Length;
        var cellProbabilities = ConfusionProbabilities.SelectMany(row => row).ToArray();
        var accuracyTrue = Enumerable.Range(0, c).Sum(k => ConfusionProbabilities[k][k]);
        var recallTrue = ConfusionProbabilities[0][0] / ConfusionProbabilities[0].Sum();
        var (positiveBins, negativeBins) = ScoreDistributions(new SeededRandomBits(seed));
        var aurocTrue = Auroc(positiveBins, negativeBins);
        var sigmaCells = Rational.RoundUp(CellVariance);
        var sigmaBins = Rational.RoundUp(BinVariance);
        var labels = Enumerable.Range(0, c).Select(k => $"c{k}").ToArray();
        var outcomes = new (NoisyInterval Accuracy, NoisyInterval Recall, NoisyInterval Auroc)[trials];

        Parallel.For(0, trials, new ParallelOptions { MaxDegreeOfParallelism = 2 }, trial =>
        {
            var random = new SeededRandomBits(seed + 1 + (ulong)trial);
            var cells = Multinomial(random, Documents, cellProbabilities);
            var noisy = new long[c][];
            for (var g = 0; g < c; g++)
            {
                noisy[g] = [.. Enumerable.Range(0, c).Select(p => cells[g * c + p] + DiscreteGaussian.Sample(sigmaCells, random))];
            }

            var report = NoisyClassification.Estimate(labels, noisy, CellVariance, ClassificationSimulations);
            var positives = Binomial(random, Documents, PositiveShare);
            var noisyPositives = Multinomial(random, (int)positives, positiveBins).Select(n => n + DiscreteGaussian.Sample(sigmaBins, random)).ToArray();
            var noisyNegatives = Multinomial(random, Documents - (int)positives, negativeBins).Select(n => n + DiscreteGaussian.Sample(sigmaBins, random)).ToArray();
            outcomes[trial] = (report.Accuracy, report.PerClass["c0"].Recall, NoisyRanking.Auroc(noisyPositives, noisyNegatives, BinVariance, AurocSimulations));
        });

        var estimable = outcomes.Where(o => o.Auroc.IsEstimable).Select(o => o.Auroc).ToArray();
        return new Result(
            trials,
            outcomes.Count(o => Covers(o.Accuracy, accuracyTrue)),
            outcomes.Count(o => Covers(o.Recall, recallTrue)),
            estimable.Count(a => Covers(a, aurocTrue)),
            trials - estimable.Length,
            accuracyTrue,
            recallTrue,
            aurocTrue,
            outcomes.Average(o => (o.Accuracy.CiHigh ?? 1) - (o.Accuracy.CiLow ?? 0)),
            estimable.Length == 0 ? double.NaN : estimable.Average(a => a.CiHigh!.Value - a.CiLow!.Value),
            estimable.Length == 0 ? double.NaN : estimable.Average(a => a.Estimate!.Value));
    }

    private static bool Covers(NoisyInterval interval, double truth) =>
        interval.IsEstimable && interval.CiLow <= truth && truth <= interval.CiHigh;

    /// <summary>The population's score distributions on the coarse grid, from 200 000 logit-normal draws (that empirical law *is* the population).</summary>
    private (double[] Positives, double[] Negatives) ScoreDistributions(SeededRandomBits random)
    {
        var uniform = new Uniform(random);
        var positives = new double[DpScoreGrid.Count];
        var negatives = new double[DpScoreGrid.Count];
        const int draws = 200_000;
        for (var i = 0; i < draws; i++)
        {
            var z = uniform.Normal();
            positives[DpScoreGrid.CoarseBinOf(ScoreGrid.BinOf(1 / (1 + Math.Exp(-(ScoreSeparation + ScoreSpread * z)))))] += 1.0 / draws;
            negatives[DpScoreGrid.CoarseBinOf(ScoreGrid.BinOf(1 / (1 + Math.Exp(-(-ScoreSeparation + ScoreSpread * uniform.Normal())))))] += 1.0 / draws;
        }

        return (positives, negatives);
    }

    private static double Auroc(double[] positives, double[] negatives)
    {
        double below = 0, wins = 0;
        for (var b = 0; b < positives.Length; b++)
        {
            wins += positives[b] * (below + 0.5 * negatives[b]);
            below += negatives[b];
        }

        return wins / (positives.Sum() * below);
    }

    private static long[] Multinomial(IRandomBits random, int n, double[] probabilities)
    {
        var uniform = new Uniform(random);
        var cumulative = new double[probabilities.Length];
        double total = 0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            total += probabilities[i];
            cumulative[i] = total;
        }

        var counts = new long[probabilities.Length];
        for (var d = 0; d < n; d++)
        {
            var u = uniform.Next() * total;
            var index = Array.FindIndex(cumulative, x => x > u);
            counts[index < 0 ? probabilities.Length - 1 : index]++;
        }

        return counts;
    }

    private static long Binomial(IRandomBits random, int n, double p)
    {
        var uniform = new Uniform(random);
        long k = 0;
        for (var i = 0; i < n; i++)
        {
            k += uniform.Next() < p ? 1 : 0;
        }

        return k;
    }

    private sealed class Uniform(IRandomBits bits)
    {
        public double Next() => (bits.NextUInt64() >> 11) * (1.0 / (1UL << 53));

        // Box–Muller: test data only.
        public double Normal() => Math.Sqrt(-2 * Math.Log(1 - Next())) * Math.Cos(2 * Math.PI * Next());
    }
}
