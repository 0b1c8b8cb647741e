using Partages.ModelKit;

namespace Partages.NodeAgent.Engine.Tests.Ner;

/// <summary>
/// The engine's entity recognition path on the demo's real artefacts: the ModelKit's trained token classifier
/// (models/oncology-ner.zip) through ONNX Runtime, on the fictional hospitals' oncology reports, with the repository's
/// NER spec. Assets built once for the fixture in a folder of their own.
/// </summary>
public sealed class OncologyNerModelTests() : DemoAssetsTestBase("partages-engine-ner-", FindRepositoryFile("eval-specs", "oncology-biomarkers-ner.yaml"))
{
    [Test]
    public async Task EvaluateAsync_RealModelOnEachHospital_MatchesTheModelKitsStrictF1()
    {
        foreach (var hospital in Assets.Hospitals)
        {
            var result = await EvaluateAsync(hospital.OncologyPath);
            var strict = result.Schemes![NerSchemes.Strict].Overall;
            await TestContext.Out.WriteLineAsync(
                $"{hospital.Slug}: {result.NDocuments} reports, strict F1 {strict.F1:F4} (P {strict.Precision:F4}, R {strict.Recall:F4}), " +
                $"partial F1 {result.Schemes[NerSchemes.Partial].Overall.F1:F4}, seqeval micro F1 {result.Seqeval!.Micro.F1:F4}, word accuracy {result.Seqeval.Accuracy:F4}");

            result.Task.Should().Be(TaskTypes.TokenClassification);
            result.NDocuments.Should().Be(hospital.OncologyCount);
            result.InputSummary.Skipped.Should().BeEmpty();
            strict.Possible.Should().BeGreaterThan(hospital.OncologyCount, "every report has several gold entities");
            strict.F1.Should().BeGreaterThan(0.8);
            // The ModelKit decoded the same reports with its C# forward pass of the same weights and the same rules.
            var reference = Assets.NerModel!.HeldOutStrictF1ByHospital.Single(h => h.Slug == hospital.Slug).StrictF1;
            strict.F1.Should().BeApproximately(reference, 1e-9);
            result.Schemes[NerSchemes.Partial].Overall.F1.Should().BeGreaterThanOrEqualTo(strict.F1!.Value);
        }
    }

    [Test]
    public async Task Pool_RandomSplitsOfAHospitalAcrossSites_EqualsTheUnionExactly()
    {
        var hospital = Assets.Hospitals.Single(h => h.Slug == "hopital-kerbrac");
        var lines = await File.ReadAllLinesAsync(hospital.OncologyPath);
        var union = await EvaluateAsync(hospital.OncologyPath);
        var random = new Random(2026);
        for (var trial = 0; trial < 3; trial++)
        {
            var directory = Directory.CreateTempSubdirectory("partages-ner-split-").FullName;
            try
            {
                var siteCount = 2 + random.Next(3);
                var parts = Enumerable.Range(0, siteCount).Select(_ => new List<string>()).ToList();
                foreach (var line in lines)
                {
                    parts[random.Next(siteCount)].Add(line);
                }

                var sites = new Dictionary<string, ResultDocument>();
                for (var s = 0; s < siteCount; s++)
                {
                    var path = Path.Combine(directory, $"site{s}.jsonl");
                    await File.WriteAllLinesAsync(path, parts[s]);
                    sites[$"site{s}"] = ResultJson.DeserializeSite(ResultJson.Serialize(await EvaluateAsync(path)));
                }

                var pooled = PooledResultDocument.Pool(TestSpec.Task, TestSpec.Labels, sites, []).Pooled!;

                pooled.Schemes.Should().BeEquivalentTo(union.Schemes);
                pooled.Seqeval.Should().BeEquivalentTo(union.Seqeval);
                pooled.PerClass.Should().BeEquivalentTo(union.PerClass);
                pooled.ConfusionMatrix.Should().BeEquivalentTo(union.ConfusionMatrix);
                pooled.NDocuments.Should().Be(union.NDocuments);
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Test]
    public async Task EvaluateAsync_RealModelAttributeAndCodeOutputs_NegationLearntCodesImperfectAndPooledExactly()
    {
        var spec = TestSpec with { Metrics = [.. TestSpec.Metrics, .. QualifierMetrics.All] };
        var hospital = Assets.Hospitals.Single(h => h.Slug == "chu-valmont");

        var result = await EvaluateAsync(hospital.OncologyPath, spec);

        var qualifiers = result.SpanQualifiers!;
        var negation = qualifiers.SpanAttribute!.PerValue["Negation=true"];
        var codes = qualifiers.Normalisation!.Overall;
        await TestContext.Out.WriteLineAsync(
            $"{hospital.Slug}: Negation=true F1 {negation.F1:F4} AP {negation.Ap:F4} (support {negation.Support}), Hypothesis=true F1 {qualifiers.SpanAttribute.PerValue["Hypothesis=true"].F1:F4}, "
            + $"ICD-O-3 accuracy {codes.Rate:F4} ({codes.Hits}/{codes.Total})");
        negation.Support.Should().BeGreaterThan(50, "the generator writes many negated results");
        negation.F1.Should().BeGreaterThan(0.9);
        negation.Ap.Should().BeGreaterThan(0.8);
        codes.Total.Should().BeGreaterThan(hospital.OncologyCount, "every matched BIOMARKER carries its tumour's code");
        codes.Rate.Should().BeInRange(0.2, 0.99, "the morphology lies outside the tagger's window: imperfect on purpose");
        qualifiers.Fragments!.Overall.Entities.Total.Should().Be(0, "the generator writes no discontinuous entity");

        // Split across two sites, the pooled section is the union's.
        var lines = await File.ReadAllLinesAsync(hospital.OncologyPath);
        var directory = Directory.CreateTempSubdirectory("partages-ner-qualifiers-").FullName;
        try
        {
            var sites = new Dictionary<string, ResultDocument>();
            for (var s = 0; s < 2; s++)
            {
                var path = Path.Combine(directory, $"site{s}.jsonl");
                await File.WriteAllLinesAsync(path, lines.Where((_, i) => i % 2 == s));
                sites[$"site{s}"] = ResultJson.DeserializeSite(ResultJson.Serialize(await EvaluateAsync(path, spec)));
            }

            PooledResultDocument.Pool(spec.Task, spec.Labels, sites, []).Pooled!.SpanQualifiers.Should().BeEquivalentTo(qualifiers);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private Task<ResultDocument> EvaluateAsync(string path, EvaluationSpec? spec = null) =>
        new EvaluationEngine().EvaluateAsync(
            new EvaluationJob(Assets.NerBundlePath, spec ?? TestSpec, new DatasetDefinition(TestSpec.Dataset, path, DatasetFormats.Jsonl)),
            null,
            CancellationToken.None);

    private static string FindRepositoryFile(params string[] parts)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine([directory.FullName, .. parts]);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{Path.Combine(parts)} not found above {AppContext.BaseDirectory}");
    }
}
