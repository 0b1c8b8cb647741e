using Partages.Client;
using Partages.Contracts.V1;
using Partages.Demo.Federation;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;
using EvaluationView = Partages.Contracts.V1.Evaluation;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// Entity recognition across three hospitals, as real processes: each node runs the model kit's token classifier on
/// its own oncology reports, its release gate applies k to the NER sections, and the coordinator pools them.
/// </summary>
[NonParallelizable]
public sealed class NerFederationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly string[] Sites = ["site-a", "site-b", "site-c"];

    private LocalFederation _federation = null!;
    private EvaluatorClient _evaluator = null!;
    private Grpc.Net.Client.GrpcChannel _channel = null!;
    private string _bundleSha256 = "";

    [OneTimeSetUp]
    public async Task StartFederation()
    {
        var assets = TestAssets.Assets;
        var workDirectory = TestAssets.NewWorkDirectory("ner-federation");
        _federation = await LocalFederation.StartAsync(new FederationOptions { WorkDirectory = workDirectory, PinnedBundleSha256 = [assets.NerBundleSha256] });
        for (var i = 0; i < Sites.Length; i++)
        {
            await _federation.AddNodeAsync(Sites[i], [new NodeDataset("oncology-reports", assets.Hospitals[i].OncologyPath)]);
        }

        _channel = _federation.CreateEvaluatorChannel(await _federation.CreateApiTokenAsync("e2e-ner", "evaluator"));
        _evaluator = new EvaluatorClient(_channel);
        _bundleSha256 = (await _evaluator.UploadBundleAsync(assets.NerBundlePath)).Sha256;
    }

    [OneTimeTearDown]
    public async Task StopFederation()
    {
        _channel?.Dispose();
        if (_federation is not null)
        {
            await _federation.DisposeAsync();
        }
    }

    [Test]
    public async Task Evaluation_NerOverThreeSites_PooledSchemesAndSeqevalAreTheSumOfTheSitesReleasedCounts()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var spec = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "eval-specs", "oncology-biomarkers-ner.yaml"), cts.Token);

        var evaluation = await RunAsync(spec, cts.Token);

        evaluation.State.Should().Be(EvaluationState.Completed, evaluation.Reason);
        var result = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        result.IncludedSites.Should().Equal(Sites);
        var sites = Sites.Select(s => result.PerSite[s]).ToList();
        sites.Should().OnlyContain(s => s.Release != null, "every result left through the release gate");
        sites.Should().OnlyContain(s => s.Schemes != null && s.Seqeval != null);
        var pooled = result.Pooled!;
        pooled.Schemes.Should().NotBeNull();
        pooled.Seqeval.Should().NotBeNull();
        pooled.NDocuments.Should().Be(sites.Sum(s => s.NDocuments));

        var types = pooled.ConfusionMatrix.Labels;
        types.Should().BeEquivalentTo("BIOMARKER", "STATUS");
        foreach (var scheme in NerSchemes.All)
        {
            foreach (var type in types)
            {
                var summed = sites.Select(s => s.Schemes![scheme].PerType[type].ToCounts()).Aggregate(new NerOutcomeCounts(), NerOutcomeCounts.Add);
                pooled.Schemes![scheme].PerType[type].Should().Be(NerSchemeMetrics.From(scheme, summed), $"{scheme} {type}: sums of the sites' released counts, ratios from the sums");
            }

            var overall = sites.Select(s => s.Schemes![scheme].Overall.ToCounts()).Aggregate(new NerOutcomeCounts(), NerOutcomeCounts.Add);
            pooled.Schemes![scheme].Overall.Should().Be(NerSchemeMetrics.From(scheme, overall));
        }

        foreach (var type in types)
        {
            var seqeval = pooled.Seqeval!.PerType[type];
            seqeval.Tp.Should().Be(sites.Sum(s => s.Seqeval!.PerType[type].Tp));
            seqeval.Fp.Should().Be(sites.Sum(s => s.Seqeval!.PerType[type].Fp));
            seqeval.Fn.Should().Be(sites.Sum(s => s.Seqeval!.PerType[type].Fn));
        }

        pooled.Seqeval!.Words.Should().Be(sites.Sum(s => s.Seqeval!.Words));
        pooled.Seqeval.WordsCorrect.Should().Be(sites.Sum(s => s.Seqeval!.WordsCorrect));
        pooled.Schemes![NerSchemes.Strict].Overall.Possible.Should().BeGreaterThan(0);
        result.OmittedSections.Should().ContainSingle(o => o.Section == "heterogeneity");
        foreach (var (name, site) in Sites.Zip(sites).Append(("pooled", pooled)))
        {
            TestContext.Out.WriteLine(
                $"{name}: {site.NDocuments} reports, strict F1 {site.Schemes![NerSchemes.Strict].Overall.F1:0.000}, partial F1 {site.Schemes[NerSchemes.Partial].Overall.F1:0.000}, "
                + $"seqeval micro F1 {site.Micro.F1:0.000}, withheld [{string.Join(", ", site.Release?.WithheldSections.Select(w => w.Section) ?? [])}]");
        }
    }

    private async Task<EvaluationView> RunAsync(string spec, CancellationToken cancellationToken)
    {
        var submitted = await _evaluator.SubmitAsync(spec, _bundleSha256, cancellationToken: cancellationToken);
        return await _evaluator.WatchUntilFinalAsync(submitted.Id, cancellationToken: cancellationToken);
    }
}
