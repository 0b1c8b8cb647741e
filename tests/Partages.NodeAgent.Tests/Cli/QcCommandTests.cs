using System.Text;
using System.Text.Json;
using Partages.ModelKit;

namespace Partages.NodeAgent.Tests.Cli;

/// <summary><c>qc</c> through the agent's real command line: a fictional hospital's AMR reports and a file with every kind of problem.</summary>
public sealed class QcCommandTests : TestDirectoryPerTest
{
    private TestDirectory _assetsDirectory = null!;
    private DemoAssetSet _assets = null!;

    [OneTimeSetUp]
    public async Task BuildAssets()
    {
        _assetsDirectory = new TestDirectory();
        _assets = await DemoAssets.EnsureBuiltAsync(_assetsDirectory.Path, null, CancellationToken.None);
    }

    [OneTimeTearDown]
    public void RemoveAssets() => _assetsDirectory.Dispose();

    [Test]
    public async Task Qc_DemoHospitalReports_CountsEveryReportAndItsLabel_ExitCode0()
    {
        var hospital = _assets.Hospitals[0];

        var (code, output, error) = await AgentCli.InvokeAsync(["qc", "--dataset", hospital.AmrPath, "--json"]);

        code.Should().Be(ExitCodes.Ok, error);
        using var report = JsonDocument.Parse(output);
        var root = report.RootElement;
        root.GetProperty("documents").GetInt64().Should().Be(hospital.AmrCount);
        root.GetProperty("labels").EnumerateObject().Sum(label => label.Value.GetInt64()).Should().Be(hospital.AmrCount);
        root.GetProperty("characters").EnumerateArray().Sum(bin => bin.GetInt64()).Should().Be(hospital.AmrCount);
    }

    [Test]
    public async Task Qc_FileWithEveryKindOfProblem_EachCountedAndNoReportTextPrinted()
    {
        var path = Scratch.Combine("broken.jsonl");
        var lines = new List<byte[]>
        {
            Bytes("\uFEFF"u8.ToArray(), """{"id": "1", "text": "Culture positive à E. coli.\r\nBLSE.", "label": "BLSE"}"""u8.ToArray()),
            """{"id": "2", "text": "Culture positive à E. coli.\r\nBLSE.", "label": "BLSE"}"""u8.ToArray(),
            """{"id": "3", "text": "", "label": "SENSIBLE"}"""u8.ToArray(),
            """{"id": "4", "text": "pas du JSON"""u8.ToArray(),
            Bytes("""{"id": "5", "text": "Germe """u8.ToArray(), [0xC3, 0x28], """ isolé", "label": "BLSE"}"""u8.ToArray()),
            """{"id": "6", "text": "EGFR muté", "entities": [{"start": 0, "end": 4, "label": "GENE"}, {"start": 2, "end": 40, "label": "GENE"}]}"""u8.ToArray(),
        };
        await File.WriteAllBytesAsync(path, lines.SelectMany(line => line.Concat("\n"u8.ToArray())).ToArray());

        var (code, output, error) = await AgentCli.InvokeAsync(["qc", "--dataset", path]);

        code.Should().Be(ExitCodes.Ok, error);
        output.Should().Contain("6 report(s)");
        output.Should().MatchRegex("(?m)^  crlf_line_breaks +2$", "the report and its duplicate both break lines with CRLF");
        foreach (var finding in new[] { "byte_order_mark", "exact_duplicate", "empty", "malformed_line", "invalid_utf8", "entity_out_of_range", "overlapping_entities" })
        {
            output.Should().MatchRegex($"(?m)^  {finding} +1$", $"one report has {finding}");
        }

        output.Should().NotContain("coli").And.NotContain("EGFR muté", "qc prints counts, never a report's text");
    }

    [Test]
    public async Task Qc_CsvDataset_RecordsAndAnnotatorColumnsCountedAndAMalformedRecordCounted()
    {
        var path = Scratch.Combine("reports.csv");
        await File.WriteAllTextAsync(path, "id,text,label,label_b\n1,\"Culture, positive\",BLSE,BLSE\n2,Culture négative,SENSIBLE,BLSE\n3,\"ouvert,BLSE\n", Encoding.UTF8);

        var (code, output, error) = await AgentCli.InvokeAsync(["qc", "--dataset", path, "--annotators", "label,label_b", "--json"]);

        code.Should().Be(ExitCodes.Ok, error);
        var root = JsonDocument.Parse(output).RootElement;
        root.GetProperty("documents").GetInt64().Should().Be(3);
        root.GetProperty("findings").GetProperty("malformed_record").GetInt64().Should().Be(1, "a quote left open runs to the end of the file");
        root.GetProperty("labels").GetProperty("BLSE").GetInt64().Should().Be(1);
        root.GetProperty("agreement").GetProperty("documents_with_two_labels").GetInt64().Should().Be(2);
    }

    [Test]
    public async Task Qc_CsvWithoutTheAnnotatorColumn_NamesItAndTheColumnsItHas_ExitCode2()
    {
        var path = Scratch.Combine("reports.csv");
        await File.WriteAllTextAsync(path, "id,text,label\n1,a,b\n", Encoding.UTF8);

        var (code, _, error) = await AgentCli.InvokeAsync(["qc", "--dataset", path, "--annotators", "label,label_b"]);

        code.Should().Be(ExitCodes.InvalidConfiguration);
        error.Should().Contain("no column 'label_b'").And.Contain("it has: id, text, label");
    }

    [Test]
    public async Task Qc_BratFolder_TextsAnnotationsAndTheirProblemsCounted()
    {
        var folder = Scratch.Combine("brat");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "a.txt"), "EGFR muté, ALK réarrangé.");
        await File.WriteAllTextAsync(Path.Combine(folder, "a.ann"), "T1\tGENE 0 4\tEGFR\nT2\tGENE 11 14;15 25\tALK réarrangé\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "b.txt"), "Pas d'annotation.");
        await File.WriteAllTextAsync(Path.Combine(folder, "c.txt"), "KRAS sauvage.");
        await File.WriteAllTextAsync(Path.Combine(folder, "c.ann"), "T1\tGENE zero 4\tKRAS\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "d.ann"), "T1\tGENE 0 4\tBRAF\n");

        var (code, output, error) = await AgentCli.InvokeAsync(["qc", "--dataset", folder, "--json"]);

        code.Should().Be(ExitCodes.Ok, error);
        var root = JsonDocument.Parse(output).RootElement;
        root.GetProperty("documents").GetInt64().Should().Be(4);
        root.GetProperty("entity_types").GetProperty("GENE").GetInt64().Should().Be(2);
        var findings = root.GetProperty("findings");
        findings.GetProperty("discontinuous_entity").GetInt64().Should().Be(1);
        findings.GetProperty("missing_annotations").GetInt64().Should().Be(1);
        findings.GetProperty("malformed_annotation").GetInt64().Should().Be(1);
        findings.GetProperty("orphan_annotations").GetInt64().Should().Be(1);
    }

    [Test]
    public async Task Qc_TwoAnnotatorFields_PrintsAlphaAndCohenKappa()
    {
        // The twelve documents of AgreementTests: Cohen's kappa 0.5 (scikit-learn), plus one document labelled once.
        string[] first = ["A", "A", "B", "B", "C", "C", "A", "B", "C", "C", "A", "B"];
        string[] second = ["A", "B", "B", "B", "C", "A", "A", "B", "C", "B", "A", "C"];
        var path = Scratch.Combine("double.jsonl");
        var lines = first.Select((label, i) => $$"""{"id": "{{i}}", "text": "rapport {{i}}", "label": "{{label}}", "label_b": "{{second[i]}}"}""")
            .Append("""{"id": "x", "text": "rapport x", "label": "A"}""");
        await File.WriteAllLinesAsync(path, lines);

        var (code, output, error) = await AgentCli.InvokeAsync(["qc", "--dataset", path, "--annotators", "label,label_b", "--json"]);

        code.Should().Be(ExitCodes.Ok, error);
        var agreement = JsonDocument.Parse(output).RootElement.GetProperty("agreement");
        agreement.GetProperty("documents_with_two_labels").GetInt64().Should().Be(12);
        agreement.GetProperty("cohen_kappa").GetProperty("value").GetDouble().Should().BeApproximately(0.5, 1e-12);
        agreement.GetProperty("krippendorff_alpha").GetProperty("value").GetDouble().Should().BeInRange(0.4, 0.6);
        agreement.GetProperty("fleiss_kappa").ValueKind.Should().Be(JsonValueKind.Null, "two annotators: Cohen's, not Fleiss'");
    }

    [Test]
    public async Task Qc_OneAnnotatorField_RefusedBeforeReading_ExitCode2()
    {
        var (code, _, error) = await AgentCli.InvokeAsync(["qc", "--dataset", "nowhere.jsonl", "--annotators", "label"]);

        code.Should().Be(ExitCodes.InvalidConfiguration);
        error.Should().Contain("at least two fields").And.Contain("'label'");
    }

    [Test]
    public async Task Qc_WithTheDemoBundle_PrintsPieceLengthsTheWindowAndTheUnknownPieceRate()
    {
        var hospital = _assets.Hospitals[0];

        var (code, output, error) = await AgentCli.InvokeAsync(["qc", "--dataset", hospital.AmrPath, "--model", _assets.BundlePath, "--json"]);

        code.Should().Be(ExitCodes.Ok, error);
        var pieces = JsonDocument.Parse(output).RootElement.GetProperty("pieces");
        pieces.GetProperty("window").GetInt32().Should().Be(126, "the demo model's max_length 128 less [CLS] and [SEP]");
        pieces.GetProperty("unknown_token").GetString().Should().Be("[UNK]");
        pieces.GetProperty("piece_lengths").EnumerateArray().Sum(bin => bin.GetInt64()).Should().Be(hospital.AmrCount);
        var rate = pieces.GetProperty("unknown_piece_rate").GetDouble();
        rate.Should().BeInRange(0, 1);
        pieces.GetProperty("unknown_pieces").GetInt64().Should().BeLessThanOrEqualTo(pieces.GetProperty("pieces_in_window").GetInt64());
        pieces.GetProperty("model").GetString().Should().Contain("@");
    }

    [Test]
    public async Task Qc_ModelThatIsNotABundle_NamesItAndWhy_ExitCode2()
    {
        var notABundle = Scratch.Combine("not-a-bundle.zip");
        await File.WriteAllTextAsync(notABundle, "pas un zip");

        var (code, _, error) = await AgentCli.InvokeAsync(["qc", "--dataset", _assets.Hospitals[0].AmrPath, "--model", notABundle]);

        code.Should().Be(ExitCodes.InvalidConfiguration);
        error.Should().Contain("--model").And.Contain("not-a-bundle.zip");
    }

    [Test]
    public async Task Qc_BratDatasetWithTheSecondAnnotatorsFolder_EntityAgreementEqualsThatOfTheJsonlFields()
    {
        // The hospital whose second annotator disagrees: its brat folders and its JSONL's entities/entities_b hold the same annotations.
        var hospital = _assets.Hospitals.Single(h => h.Slug.Contains("kerbrac", StringComparison.Ordinal));
        var config = Scratch.Combine("node.yaml");
        await File.WriteAllLinesAsync(config,
        [
            "name: hopital-kerbrac", "coordinator:", "  url: https://coordinator.invalid:7443", "data_directory: ./node-data", "datasets:",
            "  - name: onco-brat", $"    path: {hospital.OncologyBratPath}", "    format: brat",
            "    annotators:", "      - name: entities_b", $"        path: {hospital.OncologyBratSecondPath}",
        ]);

        var (code, output, error) = await AgentCli.InvokeAsync(["qc", "--config", config, "--dataset", "onco-brat", "--annotators", "entities,entities_b", "--json"]);
        var (jsonlCode, jsonlOutput, jsonlError) = await AgentCli.InvokeAsync(["qc", "--dataset", hospital.OncologyPath, "--annotators", "entities,entities_b", "--json"]);

        code.Should().Be(ExitCodes.Ok, error);
        jsonlCode.Should().Be(ExitCodes.Ok, jsonlError);
        var brat = System.Text.Json.Nodes.JsonNode.Parse(output)!["entity_agreement"]!;
        var jsonl = System.Text.Json.Nodes.JsonNode.Parse(jsonlOutput)!["entity_agreement"]!;
        brat.AsArray().Should().NotBeEmpty();
        System.Text.Json.Nodes.JsonNode.DeepEquals(brat, jsonl).Should().BeTrue($"the two folders are the two fields written as brat:\n{brat}\n{jsonl}");
        brat.AsArray().Should().Contain(row => row!["strict_f1"]!.GetValue<double>() < 1, "the second annotator disagrees on some entities");
    }

    [Test]
    public async Task Qc_BratAnnotatorNodeYamlDoesNotName_NamesWhatItDoesName_ExitCode2()
    {
        var hospital = _assets.Hospitals[0];

        var (code, _, error) = await AgentCli.InvokeAsync(["qc", "--dataset", hospital.OncologyBratPath, "--format", "brat", "--annotators", "entities,entities_b"]);

        code.Should().Be(ExitCodes.InvalidConfiguration);
        error.Should().Contain("'entities_b'").And.Contain("it names: none");
    }

    private static byte[] Bytes(params ReadOnlySpan<byte[]> parts) => parts.ToArray().SelectMany(part => part).ToArray();
}
