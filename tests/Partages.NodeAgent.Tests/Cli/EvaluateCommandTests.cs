using Partages.ModelKit.MultiLabel;
using Partages.Evaluation.Specs;
using Partages.ModelKit;
using Partages.NodeAgent.Engine.Datasets;

namespace Partages.NodeAgent.Tests.Cli;

/// <summary>
/// Local mode through the agent's real command line, on the demo's real bundle and a fictional hospital's AMR
/// reports (built once for the fixture, about two seconds), offline: no coordinator, no identity.
/// </summary>
public sealed class EvaluateCommandTests : TestDirectoryPerTest
{
    private TestDirectory _assetsDirectory = null!;
    private DemoAssetSet _assets = null!;
    private string _specPath = null!;
    private HospitalAssets Hospital => _assets.Hospitals[0];

    [OneTimeSetUp]
    public async Task BuildAssets()
    {
        _assetsDirectory = new TestDirectory();
        _assets = await DemoAssets.EnsureBuiltAsync(_assetsDirectory.Path, null, CancellationToken.None);
        _specPath = Path.Combine(RepositoryFiles.Root, "eval-specs", "amr-resistance.yaml");
    }

    [OneTimeTearDown]
    public void RemoveAssets() => _assetsDirectory.Dispose();

    [Test]
    public async Task Evaluate_DemoBundleOnADatasetPath_PrintsExactlyTheJsonANodeWouldRelease_ExitCode0()
    {
        var (code, output, error) = await AgentCli.InvokeAsync(["evaluate", "--model", _assets.BundlePath, "--spec", _specPath, "--dataset", Hospital.AmrPath]);

        code.Should().Be(ExitCodes.Ok, error);
        var spec = SpecParser.Parse(await File.ReadAllTextAsync(_specPath)).Spec!;
        var released = await new EvaluationEngine().EvaluateAsync(
            new EvaluationJob(_assets.BundlePath, spec, new DatasetDefinition(spec.Dataset, Hospital.AmrPath, DatasetFormats.Jsonl)), null, CancellationToken.None);
        output.TrimEnd('\n', '\r').Should().Be(ResultJson.Serialize(released), "local mode prints the same bytes as the released payload");
        var result = ResultJson.DeserializeSite(output);
        result.NDocuments.Should().Be(Hospital.AmrCount);
        result.Auroc!.Values.Should().AllSatisfy(a => a.Value.Should().BeInRange(0.5, 1.0));
        result.Calibration!.Bins.Count.Sum().Should().Be(Hospital.AmrCount);
        error.Should().Contain("nothing was sent");
    }

    [Test]
    public async Task Evaluate_PredictionsOut_WritesOneLinePerDocumentAgreeingWithTheMatrix()
    {
        var predictions = Scratch.Combine("out", "predictions.jsonl");

        var (code, output, error) = await AgentCli.InvokeAsync(
            ["evaluate", "--model", _assets.BundlePath, "--spec", _specPath, "--dataset", Hospital.AmrPath, "--predictions-out", predictions]);

        code.Should().Be(ExitCodes.Ok, error);
        var result = ResultJson.DeserializeSite(output);
        var lines = await File.ReadAllLinesAsync(predictions);
        lines.Should().HaveCount((int)result.NDocuments);
        File.Exists(predictions + ".partial").Should().BeFalse();
        var labels = result.ConfusionMatrix.Labels.ToList();
        var cells = new long[labels.Count, labels.Count];
        var ids = new HashSet<string>();
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            ids.Add(root.GetProperty("id").GetString()!).Should().BeTrue("ids are unique");
            var gold = root.GetProperty("gold").EnumerateArray().Single().GetString()!;
            var predicted = root.GetProperty("pred").EnumerateArray().Single().GetString()!;
            var scores = root.GetProperty("scores").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            scores.Keys.Should().Equal(labels);
            scores.Values.Sum().Should().BeApproximately(1, 1e-9);
            scores[predicted].Should().Be(scores.Values.Max());
            cells[labels.IndexOf(gold), labels.IndexOf(predicted)]++;
        }

        for (var g = 0; g < labels.Count; g++)
        {
            for (var p = 0; p < labels.Count; p++)
            {
                cells[g, p].Should().Be(result.ConfusionMatrix.Matrix[g][p]);
            }
        }

        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(predictions).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite, "per-document data is for its owner only");
        }
    }

    [Test]
    public async Task Evaluate_MultiLabelJob_PrintsTheResultsDocumentANodeWouldRelease_AndLabelSetPredictions()
    {
        var bundle = Scratch.Combine("multi-label.zip");
        await MultiLabelVariant.WriteBundleAsync(_assets.BundlePath, bundle);
        var dataset = Scratch.Combine("multi-label.jsonl");
        await MultiLabelVariant.WriteDatasetAsync(Hospital.AmrPath, dataset);
        var specPath = Scratch.Combine("multi-label.yaml");
        var yaml = (await File.ReadAllTextAsync(_specPath)).Replace(
            "task: single_label_classification", $"task: {TaskTypes.MultiLabelClassification}", StringComparison.Ordinal);
        await File.WriteAllTextAsync(specPath, yaml);
        var predictions = Scratch.Combine("predictions.jsonl");

        var (code, output, error) = await AgentCli.InvokeAsync(
            ["evaluate", "--model", bundle, "--spec", specPath, "--dataset", dataset, "--predictions-out", predictions]);

        code.Should().Be(ExitCodes.Ok, error);
        output.Should().NotContain("partages.multilabel-results/v1", "the engine's older summary is no longer printed");
        var result = ResultJson.DeserializeSite(output);
        result.Task.Should().Be(TaskTypes.MultiLabelClassification);
        result.NDocuments.Should().Be(Hospital.AmrCount);
        result.MultiLabel.Should().NotBeNull();
        result.MultiLabel!.Threshold.Should().Be(0.5);
        var spec = SpecParser.Parse(yaml).Spec!;
        var released = await new EvaluationEngine().EvaluateAsync(
            new EvaluationJob(bundle, spec, new DatasetDefinition(spec.Dataset, dataset, DatasetFormats.Jsonl)), null, CancellationToken.None);
        output.TrimEnd('\n', '\r').Should().Be(ResultJson.Serialize(released), "local mode prints the same bytes as the document the release gate receives");

        // Each predictions line holds label sets; per label, the documents whose gold and predicted sets both hold it
        // are that label's tp in the printed document, and a document predicted exactly is one exact match.
        var lines = await File.ReadAllLinesAsync(predictions);
        lines.Should().HaveCount((int)result.NDocuments);
        var labels = result.ConfusionMatrix.Labels.ToList();
        var truePositives = labels.ToDictionary(l => l, _ => 0L);
        var exact = 0L;
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var gold = root.GetProperty("gold").EnumerateArray().Select(e => e.GetString()!).ToHashSet();
            var predicted = root.GetProperty("pred").EnumerateArray().Select(e => e.GetString()!).ToHashSet();
            var scores = root.GetProperty("scores").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            scores.Keys.Should().BeEquivalentTo(labels);
            predicted.Should().BeEquivalentTo(scores.Where(s => s.Value >= 0.5).Select(s => s.Key), "a label is predicted at or above the threshold");
            foreach (var label in gold.Intersect(predicted))
            {
                truePositives[label]++;
            }

            exact += gold.SetEquals(predicted) ? 1 : 0;
        }

        foreach (var label in labels)
        {
            result.PerClass[label].Tp.Should().Be(truePositives[label], label);
        }

        result.MultiLabel.ExactMatches.Should().Be(exact);
    }

    [Test]
    public async Task Evaluate_DatasetNameFromNodeConfig_EvaluatesThatDataset()
    {
        var config = WriteConfig(("amr-reports", Hospital.AmrPath, "jsonl"));

        var (code, output, error) = await AgentCli.InvokeAsync(["evaluate", "--model", _assets.BundlePath, "--spec", _specPath, "--dataset", "amr-reports", "--config", config]);

        code.Should().Be(ExitCodes.Ok, error);
        ResultJson.DeserializeSite(output).NDocuments.Should().Be(Hospital.AmrCount);
    }

    [Test]
    public async Task Evaluate_UnknownDatasetName_NamesTheConfiguredOnes_ExitCode2()
    {
        var config = WriteConfig(("amr-reports", Hospital.AmrPath, "jsonl"), ("onco", Hospital.OncologyPath, "jsonl"));

        var (code, output, error) = await AgentCli.InvokeAsync(["evaluate", "--model", _assets.BundlePath, "--spec", _specPath, "--dataset", "amr-report", "--config", config]);

        code.Should().Be(ExitCodes.InvalidConfiguration);
        output.Should().BeEmpty();
        error.Should().Contain("'amr-report'").And.Contain("amr-reports, onco");
    }

    [Test]
    public async Task Evaluate_InvalidSpec_ListsEveryErrorWithItsLine_ExitCode2()
    {
        var spec = Scratch.Combine("bad.yaml");
        await File.WriteAllTextAsync(spec, "version: 1\nname: Bad Name\ntask: translation\ndataset: amr-reports\nlabels: [only]\n");

        var (code, output, error) = await AgentCli.InvokeAsync(["evaluate", "--model", _assets.BundlePath, "--spec", spec, "--dataset", Hospital.AmrPath]);

        code.Should().Be(ExitCodes.InvalidConfiguration);
        output.Should().BeEmpty();
        error.Should().Contain("3 error(s)").And.Contain("line 2").And.Contain("line 3").And.Contain("line 5");
    }

    [Test]
    public async Task Evaluate_MissingModelOrDataset_SaysWhich_ExitCode2()
    {
        var (noModel, _, modelError) = await AgentCli.InvokeAsync(["evaluate", "--model", Scratch.Combine("none.zip"), "--spec", _specPath, "--dataset", Hospital.AmrPath]);
        var (noData, _, dataError) = await AgentCli.InvokeAsync(["evaluate", "--model", _assets.BundlePath, "--spec", _specPath, "--dataset", Scratch.Combine("none.jsonl")]);
        var (noSpec, _, specError) = await AgentCli.InvokeAsync(["evaluate", "--model", _assets.BundlePath, "--spec", Scratch.Combine("none.yaml"), "--dataset", Hospital.AmrPath]);

        noModel.Should().Be(ExitCodes.InvalidConfiguration);
        modelError.Should().Contain("Model bundle not found").And.Contain("none.zip");
        noData.Should().Be(ExitCodes.InvalidConfiguration);
        dataError.Should().Contain("Dataset not found").And.Contain("none.jsonl");
        noSpec.Should().Be(ExitCodes.InvalidConfiguration);
        specError.Should().Contain("Cannot read the spec").And.Contain("none.yaml");
    }

    [Test]
    public async Task Evaluate_SpecLabelsDifferFromTheBundles_IsRefusedNamingBoth_ExitCode1AndNoPredictionsFile()
    {
        var spec = Scratch.Combine("other-labels.yaml");
        await File.WriteAllTextAsync(spec, "version: 1\nname: amr\ntask: single_label_classification\ndataset: amr-reports\nlabels: [sensible, BLSE, SARM, VRE]\n");
        var predictions = Scratch.Combine("predictions.jsonl");

        var (code, output, error) = await AgentCli.InvokeAsync(
            ["evaluate", "--model", _assets.BundlePath, "--spec", spec, "--dataset", Hospital.AmrPath, "--predictions-out", predictions]);

        code.Should().Be(ExitCodes.Failure);
        output.Should().BeEmpty();
        error.Should().Contain("refused").And.Contain("VRE").And.Contain("EPC");
        File.Exists(predictions).Should().BeFalse();
        File.Exists(predictions + ".partial").Should().BeFalse();
    }

    [Test]
    public async Task Evaluate_PathWithoutAKnownExtension_AsksForFormat_ExitCode2()
    {
        var dataset = Scratch.Combine("reports.txt");
        File.Copy(Hospital.AmrPath, dataset);

        var (code, _, error) = await AgentCli.InvokeAsync(["evaluate", "--model", _assets.BundlePath, "--spec", _specPath, "--dataset", dataset]);
        var (withFormat, output, formatError) = await AgentCli.InvokeAsync(["evaluate", "--model", _assets.BundlePath, "--spec", _specPath, "--dataset", dataset, "--format", "jsonl"]);

        code.Should().Be(ExitCodes.InvalidConfiguration);
        error.Should().Contain("--format");
        withFormat.Should().Be(ExitCodes.Ok, formatError);
        ResultJson.DeserializeSite(output).NDocuments.Should().Be(Hospital.AmrCount);
    }

    [Test]
    public async Task Evaluate_BratFolderForAClassifier_IsRefused_ExitCode1()
    {
        var folder = Scratch.Combine("brat");
        Directory.CreateDirectory(folder);

        var (code, _, error) = await AgentCli.InvokeAsync(["evaluate", "--model", _assets.BundlePath, "--spec", _specPath, "--dataset", folder]);

        code.Should().Be(ExitCodes.Failure);
        error.Should().Contain("brat");
    }

    private string WriteConfig(params (string Name, string Path, string Format)[] datasets)
    {
        var path = Scratch.Combine("node.yaml");
        var lines = new List<string>
        {
            "name: chu-valmont",
            "coordinator:",
            "  url: https://coordinator.invalid:7443",
            "data_directory: ./node-data",
            "datasets:",
        };
        foreach (var (name, datasetPath, format) in datasets)
        {
            lines.Add($"  - name: {name}");
            lines.Add($"    path: {datasetPath}");
            lines.Add($"    format: {format}");
        }

        File.WriteAllLines(path, lines);
        return path;
    }
}
