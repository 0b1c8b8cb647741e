namespace Partages.NodeAgent.Tests.Infrastructure;

public static class Offers
{
    public static string SpecYaml(string dataset = "amr-reports") =>
        $"version: 1\nname: amr-test\ntask: single_label_classification\ndataset: {dataset}\nlabels: [sensible, BLSE]\n";

    public static byte[] Bundle(int size = 200_000) => RandomNumberGenerator.GetBytes(size);

    public static JobOffer For(string runId, byte[] bundle, string dataset = "amr-reports", string? specYaml = null)
    {
        var spec = specYaml ?? SpecYaml(dataset);
        var bundleSha256 = ContentHash.Of(bundle);
        return new JobOffer
        {
            RunId = runId,
            EvaluationId = "eval-1",
            SpecYaml = spec,
            SpecSha256 = ContentHash.Of(spec),
            ModelBundle = new ArtifactRef { Sha256 = bundleSha256, SizeBytes = bundle.Length, MediaType = "application/zip" },
            Dataset = dataset,
            LeaseSeconds = 60,
            // Signed by the key the default test policy trusts (TestSigner): offers pass the model-trust check.
            ModelSignature = TestSigner.Sign(bundleSha256),
        };
    }
}
