namespace Partages.Evaluation.Tests.Metrics;

/// <summary>
/// Score distributions of poorly calibrated classifiers, the cases where a grid loses rank information: a minority
/// class whose probabilities mostly sit below 0.001, a class the model never predicts (every score far below), a
/// majority class with scores crowding 1, saturated float32 softmax outputs (exact 0 and 1, real ties), and wide
/// overlapping tails. Scores are drawn in log-odds (normal) and mapped through the logistic function, as softmax
/// outputs are; each scenario is deterministic for a seed.
/// </summary>
public sealed record SkewedScenario(string Name, int Positives, int Negatives, Func<Random, double> Positive, Func<Random, double> Negative)
{
    public static IReadOnlyList<SkewedScenario> All { get; } =
    [
        new("minority below 0.001", 86, 2000, r => Logistic(Normal(r, -8, 1.5)), r => Logistic(Normal(r, -10, 1.5))),
        new("class never predicted", 60, 3000, r => Logistic(Normal(r, -14, 2)), r => Logistic(Normal(r, -15.5, 2))),
        new("scores near 1", 2000, 100, r => Logistic(Normal(r, 11, 2)), r => Logistic(Normal(r, 9, 2.5))),
        new("saturated float32", 500, 1500, r => Float32(r.NextDouble() < 0.3 ? 1 : Logistic(Normal(r, 6, 3))), r => Float32(r.NextDouble() < 0.2 ? 1 : r.NextDouble() < 0.1 ? 0 : Logistic(Normal(r, 3, 3)))),
        new("wide overlapping tails", 400, 1600, r => Logistic(Normal(r, -6, 4)), r => Logistic(Normal(r, -6.5, 4))),
        new("bimodal, small gap", 300, 1700, r => Logistic(r.NextDouble() < 0.5 ? Normal(r, -9, 1) : Normal(r, 4, 1)), r => Logistic(r.NextDouble() < 0.7 ? Normal(r, -9.2, 1) : Normal(r, 3.8, 1))),
    ];

    public (List<double> Positives, List<double> Negatives) Draw(int seed)
    {
        var random = new Random(seed);
        return ([.. Enumerable.Range(0, Positives).Select(_ => Positive(random))], [.. Enumerable.Range(0, Negatives).Select(_ => Negative(random))]);
    }

    public override string ToString() => Name;

    private static double Logistic(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>As a float32 softmax would give it: near 1 the spacing is 6·10⁻⁸, so many scores tie exactly.</summary>
    private static double Float32(double p) => (float)p;

    private static double Normal(Random random, double mean, double sd) =>
        mean + (sd * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}
