using System.Diagnostics;
using Partages.Evaluation.Privacy;

namespace Partages.Evaluation.Tests.Privacy;

[Explicit("Exploration: timings")]
public class TimingExploration
{
    [Test]
    public void Time_Pieces()
    {
        var bits = new SeededRandomBits(1);
        var sim = new SimulationRandom(bits);
        var sw = Stopwatch.StartNew();
        double acc = 0;
        for (var i = 0; i < 1_000_000; i++) acc += bits.NextUInt64() & 1;
        TestContext.Out.WriteLine($"bits: {sw.Elapsed.TotalMilliseconds} ns/op");
        sw.Restart();
        for (var i = 0; i < 1_000_000; i++) acc += sim.NextNormal();
        TestContext.Out.WriteLine($"normal: {sw.Elapsed.TotalMilliseconds} ns/op");
        sw.Restart();
        for (var i = 0; i < 1_000_000; i++) acc += sim.NextGamma(5.5);
        TestContext.Out.WriteLine($"gamma5.5: {sw.Elapsed.TotalMilliseconds} ns/op");
        sw.Restart();
        for (var i = 0; i < 1_000_000; i++) acc += NoisySimulation.DrawCell(i % 7, 100, sim);
        TestContext.Out.WriteLine($"drawcell: {sw.Elapsed.TotalMilliseconds} ns/op {acc}");
        var pos = Enumerable.Range(0, 37).Select(i => (long)(i * 7 % 23)).ToArray();
        var neg = Enumerable.Range(0, 37).Select(i => (long)(i * 5 % 19)).ToArray();
        NoisyRanking.Auroc(pos, neg, 100, 2000);
        var w = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            pos[0] = i;
            NoisyRanking.Auroc(pos, neg, 100, 2000);
        }

        TestContext.Out.WriteLine($"auroc 2000 sims: {w.Elapsed.TotalMilliseconds / 20:F2} ms");
        foreach (var s2 in new[] { 0.25, 1, 2.5, 16, 100, 400, 95.2381 })
        {
            var r = Rational.RoundUp(s2);
            DiscreteGaussian.Sample(r, bits);
            w.Restart();
            for (var i = 0; i < 20000; i++)
            {
                DiscreteGaussian.Sample(r, bits);
            }

            TestContext.Out.WriteLine($"DG σ²={s2}: {w.Elapsed.TotalMilliseconds * 1000 / 20000:F2} µs");
        }
    }
}
