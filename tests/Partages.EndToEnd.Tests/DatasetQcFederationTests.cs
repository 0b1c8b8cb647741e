using System.Text.Json.Nodes;
using Grpc.Core;
using Partages.Evaluation.Quality;
using Partages.Evaluation.Tasks.DatasetQc;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// A federated dataset QC over the three fictional hospitals, as real processes: without a bundle no model is offered,
/// downloaded or loaded (with one, only its tokenizer is read, after the usual download and trust checks); each node profiles its AMR reports (given a second annotator's label by this test, with
/// disagreement on every sixth report), releases the aggregates through its gate under the default differential
/// privacy, and the coordinator pools them by addition. The sites are then read side by side.
/// </summary>
[NonParallelizable]
public sealed class DatasetQcFederationTests : FederationFixture
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);
    private static readonly string[] Sites = ["site-a", "site-b", "site-c"];
    private static readonly string[] Labels = ["sensible", "BLSE", "SARM", "EPC"];
    private string _work = "";

    private static string Spec(string annotators) => $"""
        version: 1
        name: amr-dataset-qc
        task: dataset_qc
        dataset: amr-reports
        labels: [{string.Join(", ", Labels)}]
        annotators: [{annotators}]
        nodes: [{string.Join(", ", Sites)}]
        min_sites: 3
        deadline_minutes: 10
        """;

    [OneTimeSetUp]
    public async Task StartFederation()
    {
        var assets = TestAssets.Assets;
        var work = _work = FederationSupport.NewWorkDirectory("dataset-qc");
        await StartSitesAsync(new FederationOptions { WorkDirectory = work, PinnedBundleSha256 = [assets.BundleSha256] }, Sites, async i =>
        {
            var dataset = Path.Combine(work, $"{Sites[i]}-amr-double.jsonl");
            await WriteDoubleAnnotatedAsync(assets.Hospitals[i].AmrPath, dataset);
            return [new NodeDataset("amr-reports", dataset)];
        }, "e2e-qc", assets.BundlePath);
    }

    [Test]
    public async Task Evaluation_DatasetQcOverThreeSitesWithoutAModel_PooledCountsAreTheSumsOfTheSitesNoisyCounts()
    {
        using var cts = new CancellationTokenSource(Timeout);

        // What the nodes had downloaded before (the run with a bundle may come first): this run must add nothing.
        var before = Federation.Nodes.Values.SelectMany(Artifacts).ToHashSet(StringComparer.Ordinal);
        var evaluation = await Evaluator.RunToEndAsync(Spec("label, label_b"), "", cts.Token);

        evaluation.State.Should().Be(EvaluationState.Completed, evaluation.Reason);
        evaluation.ModelBundleSha256.Should().BeEmpty();
        var result = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        result.IncludedSites.Should().Equal(Sites);
        var sites = Sites.Select(s => result.PerSite[s]).ToList();
        for (var i = 0; i < Sites.Length; i++)
        {
            var qc = sites[i].DatasetQc!;
            sites[i].NDocuments.Should().Be(TestAssets.Assets.Hospitals[i].AmrCount, "every line is read; the count of reports is public under replace-one");
            sites[i].Release!.DifferentialPrivacy.Should().NotBeNull("differential privacy is every dataset's default");
            qc.NoiseVariance!.Keys.Should().BeEquivalentTo(qc.Sensitivity.Keys, "every released figure states its sensitivity and carries its noise");
            qc.Findings.Should().NotContainKey(QcFindings.NearDuplicate);
            qc.Agreement!.CohenTable.Should().NotBeNull("Cohen's kappa is a per-site figure");
            // A site of 160–280 reports under ε 1 may honestly leave α not estimable (its pair total not clearly above
            // the noise); when it is estimated it is in range with an interval.
            qc.Agreement.Alpha.Should().NotBeNull();
            if (qc.Agreement.Alpha!.Value is { } alpha)
            {
                alpha.Should().BeInRange(-1, 1);
                qc.Agreement.Alpha.Interval.Should().NotBeNull();
            }
        }

        var pooled = result.Pooled!.DatasetQc!;
        pooled.CharacterLengths.Should().Equal(DatasetQcResults.Add(sites.Select(s => s.DatasetQc!.CharacterLengths)));
        pooled.CategoryCounts.Should().Equal(DatasetQcResults.Add(sites.Select(s => s.DatasetQc!.CategoryCounts)));
        pooled.Agreement!.CoincidencePairs!["2"].Should().BeEquivalentTo(
            Enumerable.Range(0, Labels.Length + 1).Select(r => DatasetQcResults.Add(sites.Select(s => s.DatasetQc!.Agreement!.CoincidencePairs!["2"][r]))).ToArray(),
            o => o.WithStrictOrdering());
        pooled.NoiseVariance![DatasetQcFigures.CharacterLengths].Should().BeApproximately(sites.Sum(s => s.DatasetQc!.NoiseVariance![DatasetQcFigures.CharacterLengths]), 1e-6);
        pooled.Agreement.CohenTable.Should().BeNull();
        result.OmittedSections.Should().Contain(o => o.Section == "dataset_qc.agreement.cohen_table");
        // Every sixth report disagrees (α of the union about 0.78): the pooled estimate from noisy counts is near it.
        pooled.Agreement.Alpha!.Value.Should().BeInRange(0.4, 1.0);
        pooled.Agreement.Alpha.Interval.Should().NotBeNull();

        foreach (var site in Federation.Nodes.Values)
        {
            Artifacts(site).Where(f => !before.Contains(f)).Should().BeEmpty("no model is downloaded for a dataset QC without a bundle");
            var audit = await File.ReadAllLinesAsync(Path.Combine(site.DataDirectory, "audit", "audit.jsonl"), cts.Token);
            audit.Where(l => l.Contains("\"event\":\"job_approved\"", StringComparison.Ordinal))
                .Should().ContainSingle(l => JsonNode.Parse(l)!["bundle_signer"]!.GetValue<string>().StartsWith("no model", StringComparison.Ordinal));
            audit.Should().Contain(l => l.Contains("\"event\":\"result_released\"", StringComparison.Ordinal));
        }

        var view = QcComparisonView.Of(result)!;
        foreach (var row in view.Divergences)
        {
            TestContext.Out.WriteLine($"{row.Name}: JS from the pool (characters, words, labels) = {string.Join(" | ", row.Cells)}");
        }

        foreach (var row in view.Agreement)
        {
            TestContext.Out.WriteLine($"{row.Name}: {string.Join(" | ", row.Cells)}");
        }

        // The exact α of the union, for the reader to set beside the pooled estimate from noisy counts.
        var exact = new AgreementProfile(["label", "label_b"]);
        foreach (var line in Sites.SelectMany(s => File.ReadLines(Path.Combine(_work, $"{s}-amr-double.jsonl"))))
        {
            var document = JsonNode.Parse(line)!;
            exact.Add([document["label"]!.GetValue<string>(), document["label_b"]!.GetValue<string>()]);
        }

        TestContext.Out.WriteLine($"exact alpha of the union: {exact.Compute().Alpha!.Value:0.000}");
    }

    [Test]
    public async Task Submit_OneAnnotatorAskedForAgreement_IsRefusedBeforeAnyRun()
    {
        var act = () => Evaluator.SubmitAsync(Spec("label"), "");

        (await act.Should().ThrowAsync<RpcException>()).Which.Status.Detail.Should().Contain("at least two annotators");
    }

    [Test]
    public async Task Evaluation_DatasetQcWithTheDemoBundle_PieceFiguresReleasedPerSiteAndPooledByAddition()
    {
        using var cts = new CancellationTokenSource(Timeout);

        // The bundle goes through every node's download, hash and trust checks (pinned here); only its tokenizer is read.
        var evaluation = await Evaluator.RunToEndAsync(Spec("label, label_b"), BundleSha256, cts.Token);

        evaluation.State.Should().Be(EvaluationState.Completed, evaluation.Reason);
        evaluation.ModelBundleSha256.Should().Be(BundleSha256);
        var result = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        var sites = Sites.Select(s => result.PerSite[s].DatasetQc!).ToList();
        foreach (var qc in sites)
        {
            qc.Pieces!.Window.Should().Be(126, "the demo model's max_length 128 less [CLS] and [SEP]");
            qc.Pieces.UnknownToken.Should().Be("[UNK]");
            qc.Sensitivity[DatasetQcFigures.UnknownPieces].L2Squared.Should().Be(2.0 * 126 * 126);
            qc.NoiseVariance!.Keys.Should().Contain([DatasetQcFigures.PieceLengths, DatasetQcFigures.LongerThanWindow, DatasetQcFigures.UnknownPieces]);
            qc.Pieces.ShareLongerThanWindow!.Interval.Should().NotBeNull("a share from noisy counts carries its interval");
        }

        var pooled = result.Pooled!.DatasetQc!.Pieces!;
        pooled.PieceLengths.Should().Equal(DatasetQcResults.Add(sites.Select(s => s.Pieces!.PieceLengths)));
        pooled.LongerThanWindow.Should().Be(sites.Sum(s => s.Pieces!.LongerThanWindow));
        pooled.PiecesInWindow.Should().Be(sites.Sum(s => s.Pieces!.PiecesInWindow));
        pooled.UnknownPieces.Should().Be(sites.Sum(s => s.Pieces!.UnknownPieces));
        var view = QcComparisonView.Of(result)!;
        view.Distributions.Should().Contain(d => d.Title.StartsWith("Length in model pieces", StringComparison.Ordinal));
        foreach (var row in view.Pieces)
        {
            TestContext.Out.WriteLine($"{row.Name}: {string.Join(" | ", row.Cells)}");
        }
    }

    /// <summary>The files a node has downloaded (its artifact store).</summary>
    private static IEnumerable<string> Artifacts(NodeHandle node)
    {
        var artifacts = Path.Combine(node.DataDirectory, "artifacts");
        return Directory.Exists(artifacts) ? Directory.EnumerateFiles(artifacts, "*", SearchOption.AllDirectories) : [];
    }

    /// <summary>The hospital's AMR reports with a second annotator's label, which differs from the first on every sixth report.</summary>
    private static async Task WriteDoubleAnnotatedAsync(string source, string destination)
    {
        var lines = new List<string>();
        var index = 0;
        foreach (var line in await File.ReadAllLinesAsync(source))
        {
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var document = JsonNode.Parse(line)!.AsObject();
            var label = document["label"]!.GetValue<string>();
            document["label_b"] = index++ % 6 == 5 ? Labels[(Array.IndexOf(Labels, label) + 1) % Labels.Length] : label;
            lines.Add(document.ToJsonString());
        }

        await File.WriteAllLinesAsync(destination, lines);
    }
}
