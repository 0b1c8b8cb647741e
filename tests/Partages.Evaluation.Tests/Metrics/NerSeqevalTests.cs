namespace Partages.Evaluation.Tests.Metrics;

/// <summary>seqeval's strict mode with the IOB2 scheme, pinned on hand-worked tag sequences.</summary>
public class NerSeqevalTests
{
    private static readonly string[] Types = ["MISC", "PER"];
    private static readonly Dictionary<string, int> Tag = Iob2.TagNames(Types).Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i);

    [Test]
    public void DecodeStrict_InsideWithoutBegin_IsNotAnEntity()
    {
        var entities = Iob2.DecodeStrict(Tags("O", "I-PER", "I-PER", "O", "B-MISC", "I-MISC"));

        entities.Should().Equal(new NerEntity(4, 6, 0));
    }

    [Test]
    public void DecodeStrict_InsideOfAnotherType_EndsTheEntityAndStartsNothing()
    {
        var entities = Iob2.DecodeStrict(Tags("B-PER", "I-MISC", "B-PER", "B-PER", "I-PER"));

        entities.Should().Equal(new NerEntity(0, 1, 1), new NerEntity(2, 3, 1), new NerEntity(3, 5, 1));
    }

    [Test]
    public void Report_SeqevalReadmeExample_MatchesStrictFigures()
    {
        // seqeval's README: y_true [[O O B-MISC I-MISC B-MISC O O], [B-PER I-PER O]],
        //                   y_pred [[O O B-MISC I-MISC B-MISC I-MISC O], [B-PER I-PER O]].
        // Strict: MISC gold {[2,4), [4,5)} pred {[2,4), [4,6)} → tp 1, fp 1, fn 1; PER tp 1.
        var counts = new SeqevalCounts(Types);
        counts.Add(Tags("O", "O", "B-MISC", "I-MISC", "B-MISC", "O", "O"), Tags("O", "O", "B-MISC", "I-MISC", "B-MISC", "I-MISC", "O"));
        counts.Add(Tags("B-PER", "I-PER", "O"), Tags("B-PER", "I-PER", "O"));

        var report = counts.Report();

        report.PerClass["MISC"].Should().Be(new ClassMetrics(0.5, 0.5, 0.5, 2, 1, 1, 1, 0));
        report.PerClass["PER"].F1.Should().Be(1);
        report.Micro.Precision.Should().BeApproximately(2.0 / 3, 1e-12);
        report.Micro.F1.Should().BeApproximately(2.0 / 3, 1e-12);
        report.Macro.F1.Should().BeApproximately(0.75, 1e-12);
        report.Weighted.F1.Should().BeApproximately((0.5 * 2 + 1 * 1) / 3, 1e-12);
        // accuracy_score: 9 of 10 tags agree.
        report.Accuracy.Should().BeApproximately(0.9, 1e-12);
    }

    [Test]
    public void Report_LoneInsideInBothGoldAndPrediction_CountsNothing()
    {
        var counts = new SeqevalCounts(Types);
        counts.Add(Tags("I-PER", "O"), Tags("I-PER", "O"));

        var report = counts.Report();

        report.PerClass["PER"].Should().Be(new ClassMetrics(0, 0, 0, 0, 0, 0, 0, 0));
        report.Accuracy.Should().Be(1);
    }

    [Test]
    public void Pool_RandomSplits_EqualsTheUnionExactly()
    {
        var random = new Random(99);
        var sequences = Enumerable.Range(0, 60).Select(_ => (Gold: RandomTags(random), Pred: RandomTags(random))).ToList();
        var union = new SeqevalCounts(Types);
        var sites = new[] { new SeqevalCounts(Types), new SeqevalCounts(Types), new SeqevalCounts(Types) };
        foreach (var (gold, pred) in sequences)
        {
            var p = pred[..gold.Length];
            union.Add(gold, p);
            sites[random.Next(sites.Length)].Add(gold, p);
        }

        SeqevalCounts.Pool(Types, sites).Report().Should().BeEquivalentTo(union.Report());
    }

    private static int[] RandomTags(Random random) =>
        [.. Enumerable.Range(0, 12).Select(_ => random.Next(1 + (2 * Types.Length)))];

    private static int[] Tags(params string[] names) => [.. names.Select(n => Tag[n])];
}
