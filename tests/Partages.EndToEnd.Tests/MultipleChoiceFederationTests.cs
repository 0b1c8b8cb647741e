using Partages.ModelKit.MultipleChoice;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// Multiple-choice QA across three hospitals, as real processes: each node unpacks the model kit's multiple-choice
/// bundle (an ONNX Runtime GenAI model folder) and answers, in its isolated worker, every one of its questions with a
/// constrained JSON list of letters; exact counts (differential privacy off) so the pool can be compared with the
/// sites and with local mode (the agent's <c>evaluate</c> command, run as a process on the same files).
/// </summary>
[NonParallelizable]
public sealed class MultipleChoiceFederationTests : GenerativeTaskFederationFixture
{
    protected override (string Work, string Evaluator, string Dataset, string SpecFile) Names => ("mcq", "e2e-mcq", "mcq", "mcq-targeted-therapy.yaml");

    protected override (string BundlePath, string Sha256, IReadOnlyList<(string Slug, string Path, int Count)> Datasets) BuildKit(string directory)
    {
        var built = McqBundleBuilder.Build(directory);
        return (built.BundlePath, built.BundleSha256, built.Datasets);
    }

    [Test]
    public async Task Evaluation_MultipleChoiceOverThreeSites_PooledCountsAreTheSumsAndLocalModeGivesTheSameCounts()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var spec = Spec();

        var evaluation = await RunAsync(spec, cts.Token);

        evaluation.State.Should().Be(EvaluationState.Completed, evaluation.Reason);
        var result = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        result.IncludedSites.Should().Equal(Sites);
        var sites = Sites.Select(s => result.PerSite[s]).ToList();
        sites.Should().OnlyContain(s => s.MultipleChoice != null && s.Release != null && s.Release.DifferentialPrivacy == null);
        var pooled = result.Pooled!.MultipleChoice!;
        for (var b = 0; b < pooled.HammingHistogram.Count; b++)
        {
            pooled.HammingHistogram[b].Count.Should().Be(sites.Sum(s => s.MultipleChoice!.HammingHistogram[b].Count), pooled.HammingHistogram[b].Score);
        }

        foreach (var kind in pooled.Outputs.Keys)
        {
            pooled.Outputs[kind].Should().Be(sites.Sum(s => s.MultipleChoice!.Outputs[kind]), kind);
        }

        pooled.Questions.Should().Be(Kit.Datasets.Sum(d => d.Count));
        pooled.ExactMatches.Should().Be(sites.Sum(s => s.MultipleChoice!.ExactMatches));
        pooled.Truncated.Should().Be(sites.Sum(s => s.MultipleChoice!.Truncated));

        for (var i = 0; i < Sites.Length; i++)
        {
            var local = await LocalResultAsync(i, spec, cts.Token);
            local.MultipleChoice!.HammingHistogram.Should().Equal(sites[i].MultipleChoice!.HammingHistogram, $"{Sites[i]} local mode");
            local.MultipleChoice.Outputs.Should().BeEquivalentTo(sites[i].MultipleChoice!.Outputs);
        }

        foreach (var (name, site) in Sites.Zip(sites).Append(("pooled", result.Pooled)))
        {
            var s = site.MultipleChoice!;
            TestContext.Out.WriteLine(
                $"{name}: {s.Questions} questions, EMR {s.ExactMatchRatio:0.000} [{s.ExactMatchRatioInterval?.CiLow:0.000}, {s.ExactMatchRatioInterval?.CiHigh:0.000}], "
                + $"Hamming {s.HammingScore:0.000} [{s.HammingScoreInterval?.CiLow:0.000}, {s.HammingScoreInterval?.CiHigh:0.000}], invalid rate {s.InvalidRate:0.000}");
        }
    }
}
