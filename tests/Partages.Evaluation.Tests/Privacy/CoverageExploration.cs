namespace Partages.Evaluation.Tests.Privacy;

[Explicit("Exploration: prints coverage across noise levels; minutes of CPU")]
public class CoverageExploration
{
    [TestCase(1000, 4.0, 16.0)]
    [TestCase(1000, 25.0, 100.0)]
    [TestCase(1000, 100.0, 400.0)]
    [TestCase(300, 25.0, 100.0)]
    [TestCase(3000, 100.0, 400.0)]
    public void Coverage_Print(int documents, double cellVariance, double binVariance)
    {
        var scenario = new CoverageScenario
        {
            ConfusionProbabilities = [[0.25, 0.03, 0.02], [0.04, 0.30, 0.04], [0.01, 0.03, 0.28]],
            Documents = documents,
            CellVariance = cellVariance,
            BinVariance = binVariance,
            Simulations = 1000,
        };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var r = scenario.Run(200, 42);
        TestContext.Out.WriteLine($"N={documents} σ²cell={cellVariance} σ²bin={binVariance}: {r} in {watch.Elapsed.TotalSeconds:F1}s");
    }
}
