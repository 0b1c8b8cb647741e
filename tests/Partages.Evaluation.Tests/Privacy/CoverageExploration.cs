namespace Partages.Evaluation.Tests.Privacy;

[Explicit("Exploration behind the README's coverage table: prints coverage across noise levels, about a minute of CPU")]
public class CoverageExploration
{
    [TestCase(1000, 4.0, 16.0)]
    [TestCase(1000, 25.0, 100.0)]
    [TestCase(1000, 100.0, 400.0)]
    [TestCase(300, 25.0, 100.0)]
    [TestCase(3000, 100.0, 400.0)]
    public void Coverage_Print(int documents, double cellVariance, double binVariance) => Print(new CoverageScenario
    {
        ConfusionProbabilities = [[0.25, 0.03, 0.02], [0.04, 0.30, 0.04], [0.01, 0.03, 0.28]],
        Documents = documents,
        CellVariance = cellVariance,
        BinVariance = binVariance,
        AurocSimulations = 1000,
    });

    [TestCase(500, 25.0, 100.0)]
    [TestCase(2000, 100.0, 400.0)]
    public void Coverage_SparseSixClasses_Print(int documents, double cellVariance, double binVariance)
    {
        // Six classes, most confusions structurally absent (30 % of the off-diagonal cells have probability 0).
        var p = new double[6][];
        for (var g = 0; g < 6; g++)
        {
            p[g] = new double[6];
            p[g][g] = 0.15;
            p[g][(g + 1) % 6] = 0.012;
            p[g][(g + 2) % 6] = 0.003;
            p[g][(g + 4) % 6] = 0.001;
        }

        Print(new CoverageScenario { ConfusionProbabilities = p, Documents = documents, CellVariance = cellVariance, BinVariance = binVariance, AurocSimulations = 1000 });
    }

    private static void Print(CoverageScenario scenario)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var r = scenario.Run(200, 42);
        TestContext.Out.WriteLine($"C={scenario.ConfusionProbabilities.Length} N={scenario.Documents} σ²cell={scenario.CellVariance} σ²bin={scenario.BinVariance}: {r} in {watch.Elapsed.TotalSeconds:F1}s");
    }
}
