using Partages.ModelKit.Generative;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// Generative extraction across three hospitals, as real processes: each node unpacks the model kit's generative
/// bundle (an ONNX Runtime GenAI model folder) and generates, in its isolated worker, a JSON answer for every one of
/// its oncology reports; exact counts (differential privacy off) so the pool can be compared with the sites and with
/// local mode (the agent's <c>evaluate</c> command, run as a process on the same files).
/// </summary>
[NonParallelizable]
public sealed class GenerativeFederationTests : FederationFixture
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);
    private static readonly string[] Sites = ["site-a", "site-b", "site-c"];
    private GenerativeBundleFiles _built = null!;
    private string _work = null!;

    [OneTimeSetUp]
    public async Task StartFederation()
    {
        _work = FederationSupport.NewWorkDirectory("generative");
        _built = GenerativeBundleBuilder.Build(Path.Combine(_work, "kit"));
        var options = new FederationOptions { WorkDirectory = _work, DifferentialPrivacy = "off", PinnedBundleSha256 = [_built.BundleSha256] };
        await StartAsync(options, async federation =>
        {
            for (var i = 0; i < Sites.Length; i++)
            {
                await federation.AddNodeAsync(Sites[i], [new NodeDataset("oncology-extraction", _built.Datasets[i].Path)]);
            }
        }, "e2e-generative", _built.BundlePath);
    }

    [Test]
    public async Task Evaluation_GenerativeExtractionOverThreeSites_PooledCountsAreTheSumsAndLocalModeGivesTheSameCounts()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var spec = EvalSpecs.Read("oncology-extraction.yaml").Replace("nodes: []", $"nodes: [{string.Join(", ", Sites)}]", StringComparison.Ordinal);

        var evaluation = await RunAsync(spec, cts.Token);

        evaluation.State.Should().Be(EvaluationState.Completed, evaluation.Reason);
        var result = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        result.IncludedSites.Should().Equal(Sites);
        var sites = Sites.Select(s => result.PerSite[s]).ToList();
        sites.Should().OnlyContain(s => s.Generative != null && s.Release != null && s.Release.DifferentialPrivacy == null);
        var pooled = result.Pooled!.Generative!;
        for (var f = 0; f < pooled.Fields.Count; f++)
        {
            var summed = sites.Select(s => s.Generative!.Fields[f].Result.ConfusionMatrix.Matrix)
                .Aggregate((a, b) => [.. a.Zip(b, (x, y) => x.Zip(y, (p, q) => p + q).ToArray())]);
            pooled.Fields[f].Result.ConfusionMatrix.Matrix.Should().BeEquivalentTo(summed, o => o.WithStrictOrdering(), pooled.Fields[f].Name);
        }

        foreach (var kind in pooled.Outputs.Keys)
        {
            pooled.Outputs[kind].Should().Be(sites.Sum(s => s.Generative!.Outputs[kind]), kind);
        }

        pooled.Generations.Should().Be(_built.Datasets.Sum(d => d.Count));
        pooled.Truncated.Should().Be(sites.Sum(s => s.Generative!.Truncated));
        result.Pooled.ConfusionMatrix.Matrix.Should().BeEquivalentTo(
            sites.Select(s => s.ConfusionMatrix.Matrix).Aggregate((a, b) => [.. a.Zip(b, (x, y) => x.Zip(y, (p, q) => p + q).ToArray())]),
            o => o.WithStrictOrdering());

        var specPath = Path.Combine(_work, "oncology-extraction.yaml");
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
            var json = string.Join('\n', body.Prepend("{").Append("}"));
            var local = ResultJson.DeserializeSite(json);
            for (var f = 0; f < pooled.Fields.Count; f++)
            {
                local.Generative!.Fields[f].Result.ConfusionMatrix.Matrix.Should().BeEquivalentTo(
                    sites[i].Generative!.Fields[f].Result.ConfusionMatrix.Matrix, o => o.WithStrictOrdering(), $"{Sites[i]} local mode, {pooled.Fields[f].Name}");
            }

            local.Generative!.Outputs.Should().BeEquivalentTo(sites[i].Generative!.Outputs);
            (await File.ReadAllLinesAsync(predictions, cts.Token)).Should().HaveCount(_built.Datasets[i].Count).And.OnlyContain(l => l.Contains("\"output\"", StringComparison.Ordinal));
        }

        foreach (var (name, site) in Sites.Zip(sites).Append(("pooled", result.Pooled)))
        {
            TestContext.Out.WriteLine(
                $"{name}: {site.Generative!.Generations} reports, slot accuracy {site.Accuracy:0.000}, invalid rate {site.Generative.InvalidRate:0.000}, "
                + string.Join(", ", site.Generative.Fields.Select(f => $"{f.Name} {f.Result.Accuracy:0.000}")));
        }
    }
}
