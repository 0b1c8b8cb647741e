namespace Partages.Evaluation.Tests.Results;

public class ReproducibilityManifestTests
{
    private const string Task = "single_label_classification";
    private static readonly string[] Labels = ["neg", "pos"];

    [Test]
    public void AttachTo_PooledDocument_ReadBackEqualAndTheMetricsUnchangedByteForByte()
    {
        var pooledJson = PooledJson();
        var manifest = new ReproducibilityManifest
        {
            EvaluationId = "ev_1",
            SpecSha256 = new string('a', 64),
            ModelBundleSha256 = new string('b', 64),
            CoordinatorVersion = "1.0.0",
            Sites = new SortedDictionary<string, SiteManifest>(StringComparer.Ordinal)
            {
                ["site-a"] = new() { RunId = "run_1", Dataset = "amr-reports", DatasetFingerprint = new string('c', 64), AgentVersion = "1.0.0", OnnxruntimeVersion = "1.31.1", ResultSha256 = new string('d', 64) },
                ["site-b"] = new() { RunId = "run_2", ResultSha256 = new string('e', 64) },
            },
        };

        var withManifest = ReproducibilityManifest.AttachTo(pooledJson, manifest);

        var read = ReproducibilityManifest.ReadFrom(withManifest);
        read.Should().BeEquivalentTo(manifest);
        withManifest.Should().Contain("\"manifest\": {").And.Contain("\"dataset_fingerprint\": \"cccc").And.Contain("\"onnxruntime_version\": \"1.31.1\"");
        ResultJson.Serialize(ResultJson.DeserializePooled(withManifest)).Should().Be(pooledJson, "the manifest is a member beside the metrics, which are untouched");
        ReproducibilityManifest.AttachTo(withManifest, manifest with { EvaluationId = "ev_2" }).Should().Be(withManifest.Replace("ev_1", "ev_2", StringComparison.Ordinal), "attaching again replaces it");
    }

    [Test]
    public void ReadFrom_DocumentWithoutManifest_Null()
    {
        ReproducibilityManifest.ReadFrom(PooledJson()).Should().BeNull();
    }

    [Test]
    public void ReadFrom_ManifestOfAnotherSchema_InvalidData()
    {
        var json = PooledJson().TrimEnd().TrimEnd('}') + ", \"manifest\": { \"schema\": \"partages.manifest/v9\", \"evaluation_id\": \"ev\", \"spec_sha256\": \"\", \"model_bundle_sha256\": \"\", \"coordinator_version\": \"\", \"sites\": {} } }";

        var read = () => ReproducibilityManifest.ReadFrom(json);

        read.Should().Throw<InvalidDataException>().WithMessage("*partages.manifest/v1*");
    }

    private static string PooledJson()
    {
        var counts = new ClassificationCounts(Labels);
        counts.Add(0, 0);
        counts.Add(1, 1);
        counts.Add(1, 0);
        var site = ResultDocument.FromCounts(Task, counts, new InputSummary());
        return ResultJson.Serialize(PooledResultDocument.Pool(Task, Labels, new Dictionary<string, ResultDocument> { ["site-a"] = site, ["site-b"] = site }, []));
    }
}
