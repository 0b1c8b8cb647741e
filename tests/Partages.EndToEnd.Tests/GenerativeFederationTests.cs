using Partages.ModelKit.Generative;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// Generative extraction across three hospitals, as real processes: each node unpacks the model kit's generative
/// bundle (an ONNX Runtime GenAI model folder) and generates, in its isolated worker, a JSON answer for every one of
/// its oncology reports; exact counts (differential privacy off) so the pool can be compared with the sites and with
/// local mode (the agent's <c>evaluate</c> command, run as a process on the same files).
/// </summary>
[NonParallelizable]
public sealed class GenerativeFederationTests : GenerativeTaskFederationFixture
{
    protected override (string Work, string Evaluator, string Dataset, string SpecFile) Names => ("generative", "e2e-generative", "oncology-extraction", "oncology-extraction.yaml");

    protected override (string BundlePath, string Sha256, IReadOnlyList<(string Slug, string Path, int Count)> Datasets) BuildKit(string directory)
    {
        var built = GenerativeBundleBuilder.Build(directory);
        return (built.BundlePath, built.BundleSha256, built.Datasets);
    }

    [Test]
    public async Task Evaluation_GenerativeExtractionOverThreeSites_PooledCountsAreTheSumsAndLocalModeGivesTheSameCounts()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var spec = Spec();

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

        pooled.Generations.Should().Be(Kit.Datasets.Sum(d => d.Count));
        pooled.Truncated.Should().Be(sites.Sum(s => s.Generative!.Truncated));
        result.Pooled.ConfusionMatrix.Matrix.Should().BeEquivalentTo(
            sites.Select(s => s.ConfusionMatrix.Matrix).Aggregate((a, b) => [.. a.Zip(b, (x, y) => x.Zip(y, (p, q) => p + q).ToArray())]),
            o => o.WithStrictOrdering());

        for (var i = 0; i < Sites.Length; i++)
        {
            var local = await LocalResultAsync(i, spec, cts.Token);
            for (var f = 0; f < pooled.Fields.Count; f++)
            {
                local.Generative!.Fields[f].Result.ConfusionMatrix.Matrix.Should().BeEquivalentTo(
                    sites[i].Generative!.Fields[f].Result.ConfusionMatrix.Matrix, o => o.WithStrictOrdering(), $"{Sites[i]} local mode, {pooled.Fields[f].Name}");
            }

            local.Generative!.Outputs.Should().BeEquivalentTo(sites[i].Generative!.Outputs);
        }

        foreach (var (name, site) in Sites.Zip(sites).Append(("pooled", result.Pooled)))
        {
            TestContext.Out.WriteLine(
                $"{name}: {site.Generative!.Generations} reports, slot accuracy {site.Accuracy:0.000}, invalid rate {site.Generative.InvalidRate:0.000}, "
                + string.Join(", ", site.Generative.Fields.Select(f => $"{f.Name} {f.Result.Accuracy:0.000}")));
        }
    }
}
