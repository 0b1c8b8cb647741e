using Partages.ModelKit.MultipleChoice;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// Multiple-choice QA across three hospitals, as real processes: each node unpacks the model kit's multiple-choice
/// bundle (an ONNX Runtime GenAI model folder) and answers, in its isolated worker, every one of its questions with a
/// constrained JSON list of letters; exact counts (differential privacy off) so the pool can be compared with the
/// sites and with local mode (the agent's <c>evaluate</c> command, run as a process on the same files).
/// </summary>
[NonParallelizable]
public sealed class MultipleChoiceFederationTests : FederationFixture
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);
    private static readonly string[] Sites = ["site-a", "site-b", "site-c"];
    private McqBundleFiles _built = null!;
    private string _work = null!;

    [OneTimeSetUp]
    public async Task StartFederation()
    {
        _work = FederationSupport.NewWorkDirectory("mcq");
        _built = McqBundleBuilder.Build(Path.Combine(_work, "kit"));
        var options = new FederationOptions { WorkDirectory = _work, DifferentialPrivacy = "off", PinnedBundleSha256 = [_built.BundleSha256] };
        await StartAsync(options, async federation =>
        {
            for (var i = 0; i < Sites.Length; i++)
            {
                await federation.AddNodeAsync(Sites[i], [new NodeDataset("mcq", _built.Datasets[i].Path)]);
            }
        }, "e2e-mcq", _built.BundlePath);
    }

    [Test]
    public async Task Evaluation_MultipleChoiceOverThreeSites_PooledCountsAreTheSumsAndLocalModeGivesTheSameCounts()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var spec = EvalSpecs.Read("mcq-targeted-therapy.yaml").Replace("nodes: []", $"nodes: [{string.Join(", ", Sites)}]", StringComparison.Ordinal);

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

        pooled.Questions.Should().Be(_built.Datasets.Sum(d => d.Count));
        pooled.ExactMatches.Should().Be(sites.Sum(s => s.MultipleChoice!.ExactMatches));
        pooled.Truncated.Should().Be(sites.Sum(s => s.MultipleChoice!.Truncated));

        var specPath = Path.Combine(_work, "mcq-targeted-therapy.yaml");
        await File.WriteAllTextAsync(specPath, spec, cts.Token);
        for (var i = 0; i < Sites.Length; i++)
        {
            var predictions = Path.Combine(_work, $"{Sites[i]}-predictions.jsonl");
            var log = Path.Combine(_work, $"evaluate-{Sites[i]}.log");
            _ = await ManagedProcess.RunAsync(
                $"evaluate-{Sites[i]}",
                Executables.NodeAgent,
                ["evaluate", "--model", _built.BundlePath, "--spec", specPath, "--dataset", _built.Datasets[i].Path, "--predictions-out", predictions],
                log,
                TimeSpan.FromMinutes(2),
                cts.Token);
            // The log holds both streams: the results JSON is the block from the line "{" to the line "}", whose inner
            // lines are all indented; a progress line on stderr can land between them and is not.
            var lines = await File.ReadAllLinesAsync(log, cts.Token);
            var body = lines.SkipWhile(l => l != "{").Skip(1).TakeWhile(l => l != "}").Where(l => l.StartsWith(' '));
            var local = ResultJson.DeserializeSite(string.Join('\n', body.Prepend("{").Append("}")));
            local.MultipleChoice!.HammingHistogram.Should().Equal(sites[i].MultipleChoice!.HammingHistogram, $"{Sites[i]} local mode");
            local.MultipleChoice.Outputs.Should().BeEquivalentTo(sites[i].MultipleChoice!.Outputs);
            (await File.ReadAllLinesAsync(predictions, cts.Token)).Should().HaveCount(_built.Datasets[i].Count).And.OnlyContain(l => l.Contains("\"output\"", StringComparison.Ordinal));
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
