using Partages.Evaluation;
using Partages.Evaluation.Bundles;
using Partages.ModelKit.MultiLabel;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// Multi-label classification across two hospitals, as real processes. The model kit has no multi-label model, so the
/// test makes one from the demo AMR classifier: the same graph and vocabulary, its manifest's task set to
/// multi_label_classification (each logit through a sigmoid and a threshold), and the hospitals' AMR reports given
/// their label as a one-element label set. Both datasets are under the default differential privacy: every count is
/// noised, and the coordinator pools the noisy counts with their variances.
/// </summary>
[NonParallelizable]
public sealed class MultiLabelFederationTests : FederationFixture
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly string[] Sites = ["site-a", "site-b"];

    [OneTimeSetUp]
    public async Task StartFederation()
    {
        var assets = TestAssets.Assets;
        var workDirectory = FederationSupport.NewWorkDirectory("multilabel");
        var bundle = Path.Combine(workDirectory, "amr-multilabel.zip");
        await MultiLabelVariant.WriteBundleAsync(assets.BundlePath, bundle);

        var options = new FederationOptions { WorkDirectory = workDirectory, PinnedBundleSha256 = [await ContentHash.OfFileAsync(bundle, CancellationToken.None)] };
        await StartSitesAsync(options, Sites, async i =>
        {
            var dataset = Path.Combine(workDirectory, $"{Sites[i]}-amr-multilabel.jsonl");
            await MultiLabelVariant.WriteDatasetAsync(assets.Hospitals[i].AmrPath, dataset);
            return [new NodeDataset("amr-reports", dataset)];
        }, "e2e-multilabel", bundle);
    }

    [Test]
    public async Task Evaluation_MultiLabelOverTwoSitesUnderDifferentialPrivacy_PooledCountsAreTheSumsOfTheSitesNoisyCountsWithTheirVariances()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var spec = TestAssets.Spec(nodes: Sites, minSites: 2).Replace("task: single_label_classification", "task: multi_label_classification", StringComparison.Ordinal);
        spec.Should().Contain("task: multi_label_classification");

        var (_, result, sites) = await RunCompletedAsync(spec, Sites, cts.Token);

        sites.Should().OnlyContain(s => s.Task == TaskTypes.MultiLabelClassification && s.MultiLabel != null && s.Release != null);
        sites.Should().OnlyContain(s => s.Release!.DifferentialPrivacy != null && Math.Abs(s.Release.DifferentialPrivacy.Epsilon - 1) < 1e-6, "differential privacy is every dataset's default");
        var pooled = result.Pooled!;
        pooled.NDocuments.Should().Be(sites.Sum(s => s.NDocuments));
        pooled.MultiLabel!.ExactMatches.Should().Be(sites.Sum(s => s.MultiLabel!.ExactMatches));
        foreach (var label in pooled.ConfusionMatrix.Labels)
        {
            var metrics = pooled.PerClass[label];
            metrics.Tp.Should().Be(sites.Sum(s => s.PerClass[label].Tp), label);
            metrics.Fp.Should().Be(sites.Sum(s => s.PerClass[label].Fp), label);
            metrics.Fn.Should().Be(sites.Sum(s => s.PerClass[label].Fn), label);
            metrics.Tn.Should().Be(sites.Sum(s => s.PerClass[label].Tn), label);
        }

        var labels = pooled.ConfusionMatrix.Labels;
        var sum = NoisyMultiLabelCounts.Sum(labels.Count, sites.Select(s => PrivateMultiLabelResults.Read(s, labels)));
        PrivateMultiLabelResults.Read(pooled, labels).Cooccurrence.Should().BeEquivalentTo(sum.Cooccurrence, o => o.WithStrictOrdering());
        var variance = pooled.Release!.DifferentialPrivacy!.NoiseVariance;
        variance.OutcomeCounts.Should().BeApproximately(sites.Sum(s => s.Release!.DifferentialPrivacy!.NoiseVariance.OutcomeCounts), 1e-6, "independent noise: variances add");
        var expected = PrivateMultiLabelResults.Build(pooled.Task, labels, pooled.MultiLabel.Threshold, sum, pooled.InputSummary, pooled.Release);
        pooled.Micro.Should().Be(expected.Micro, "figures are estimated from the summed noisy counts and their summed variance");
        pooled.Macro.Should().Be(expected.Macro);
        pooled.Intervals!.Method.Should().Be(IntervalsSection.DpSimulationMethod);
        result.Heterogeneity.Should().BeNull("a meta-analysis of noisy counts would need each site's noise in its variance");
        result.OmittedSections.Should().ContainSingle(o => o.Section == "heterogeneity");
        foreach (var (name, site) in Sites.Zip(sites).Append(("pooled", pooled)))
        {
            TestContext.Out.WriteLine(
                $"{name}: {site.NDocuments} reports (noisy), micro F1 {site.Micro.F1:0.000} [{site.Intervals?.MicroF1?.CiLow:0.000}, {site.Intervals?.MicroF1?.CiHigh:0.000}], "
                + $"subset accuracy {site.Accuracy:0.000}, σ² {site.Release?.DifferentialPrivacy?.NoiseVariance.OutcomeCounts:0}");
        }
    }
}
