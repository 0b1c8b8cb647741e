using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Partages.Cli.Profiles;
using Partages.Client;
using Partages.Demo.Federation;

namespace Partages.Cli.Tests;

/// <summary>
/// The README's evaluator session, run through the CLI's entry point against a real coordinator and two real node
/// agents (processes, mTLS). A third node is enrolled then stopped, so runs sent to it wait offline until cancelled.
/// </summary>
[NonParallelizable]
public sealed partial class EvaluatorSessionTests
{
    private LocalFederation _federation = null!;
    private string _aliceToken = "";
    private string _bobToken = "";
    private string _caPin = "";
    private string _caFile = "";
    private string _work = "";

    [OneTimeSetUp]
    public async Task StartFederation()
    {
        _work = CliAssets.NewDirectory("session");
        _federation = await LocalFederation.StartAsync(new FederationOptions { WorkDirectory = _work, PinnedBundleSha256 = [CliAssets.Assets.BundleSha256] });
        await _federation.AddNodeAsync("site-a", [new NodeDataset("amr-reports", CliAssets.Assets.Hospitals[0].AmrPath)]);
        await _federation.AddNodeAsync("site-b", [new NodeDataset("amr-reports", CliAssets.Assets.Hospitals[1].AmrPath)]);
        var offline = await _federation.AddNodeAsync("site-offline", [new NodeDataset("amr-reports", CliAssets.Assets.Hospitals[2].AmrPath)]);
        await offline.KillAsync();
        _aliceToken = await _federation.CreateApiTokenAsync("alice", "evaluator");
        _bobToken = await _federation.CreateApiTokenAsync("bob", "evaluator");
        _caFile = Path.Combine(_federation.CoordinatorDataDirectory, "pki", "ca.crt");
        using var ca = X509CertificateLoader.LoadCertificateFromFile(_caFile);
        _caPin = CoordinatorTrust.Pin(ca);
    }

    [OneTimeTearDown]
    public async Task StopFederation()
    {
        if (_federation is not null)
        {
            await _federation.DisposeAsync();
        }
    }

    [Test]
    public async Task Session_LoginSubmitWatchResults_PooledConfusionMatrixIsTheSumOfTheSitesInEveryFormat()
    {
        var cli = await LoggedInAsync(_aliceToken);
        var spec = await WriteSpecAsync(CliAssets.SpecYaml);

        var submit = await cli.RunAsync("submit", spec, "--model", CliAssets.Assets.BundlePath, "--nodes", "site-a,site-b", "--quiet");
        submit.ExitCode.Should().Be(ExitCodes.Ok, submit.ToString());
        var id = submit.Output.Trim();
        var watch = await cli.RunAsync("watch", id);
        var json = await cli.RunAsync("results", id, "--format", "json");
        var csv = await cli.RunAsync("results", id, "--format", "csv");
        var markdown = await cli.RunAsync("results", id, "--format", "markdown");
        var table = await cli.RunAsync("results", id);

        id.Should().StartWith("ev_");
        watch.ExitCode.Should().Be(ExitCodes.Ok, watch.ToString());
        watch.Output.Should().Contain("site-a: succeeded").And.Contain("site-b: succeeded").And.Contain($"Evaluation {id} (amr-resistance-detection) completed: 2 site(s) pooled");

        json.ExitCode.Should().Be(ExitCodes.Ok, json.ToString());
        var result = ResultJson.DeserializePooled(json.Output);
        result.IncludedSites.Should().Equal("site-a", "site-b");
        var manifest = ReproducibilityManifest.ReadFrom(json.Output);
        manifest!.EvaluationId.Should().Be(id);
        manifest.Sites.Keys.Should().Equal("site-a", "site-b");
        manifest.Sites.Values.Should().OnlyContain(s => s.DatasetFingerprint != null && s.AgentVersion != null && s.OnnxruntimeVersion != null);
        var pooled = result.Pooled!;
        var (siteA, siteB) = (result.PerSite["site-a"], result.PerSite["site-b"]);
        pooled.NDocuments.Should().Be(siteA.NDocuments + siteB.NDocuments).And.BePositive();
        var sum = siteA.ConfusionMatrix.Matrix.Select((row, g) => row.Select((count, p) => count + siteB.ConfusionMatrix.Matrix[g][p]).ToArray()).ToArray();
        pooled.ConfusionMatrix.Matrix.Should().BeEquivalentTo(sum, o => o.WithStrictOrdering());

        csv.ExitCode.Should().Be(ExitCodes.Ok, csv.ToString());
        var rows = csv.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(',')).ToList();
        rows[0].Should().Equal("site", "metric", "class", "predicted", "value");
        var labels = pooled.ConfusionMatrix.Labels;
        var csvMatrix = labels.Select(gold => labels.Select(predicted =>
            long.Parse(rows.Single(r => r[0] == "pooled" && r[1] == "confusion" && r[2] == gold && r[3] == predicted)[4], CultureInfo.InvariantCulture)).ToArray()).ToArray();
        csvMatrix.Should().BeEquivalentTo(pooled.ConfusionMatrix.Matrix, o => o.WithStrictOrdering());
        rows.Single(r => r[0] == "pooled" && r[1] == "n_documents")[4].Should().Be(pooled.NDocuments.ToString(CultureInfo.InvariantCulture));
        rows.Single(r => r[0] == "site-a" && r[1] == "accuracy")[4].Should().Be(siteA.Accuracy!.Value.ToString("R", CultureInfo.InvariantCulture));

        markdown.ExitCode.Should().Be(ExitCodes.Ok, markdown.ToString());
        markdown.Output.Should().Contain("## Pooled confusion matrix");
        for (var g = 0; g < labels.Count; g++)
        {
            markdown.Output.Should().Contain($"| {labels[g]} | {string.Join(" | ", pooled.ConfusionMatrix.Matrix[g])} |");
        }

        markdown.Output.Should().Contain("## Reproducibility")
            .And.Contain($"| site-a | amr-reports | `{manifest.Sites["site-a"].DatasetFingerprint}` | {manifest.Sites["site-a"].AgentVersion} | {manifest.Sites["site-a"].OnnxruntimeVersion} |");

        table.ExitCode.Should().Be(ExitCodes.Ok, table.ToString());
        table.Output.Should().Contain("pooled").And.Contain("Pooled confusion matrix");
    }

    [Test]
    public async Task Submit_PooledOnlyFlag_TheSpecSentAsksForASecureSumAndTheOutputSaysSo()
    {
        var cli = await LoggedInAsync(_aliceToken);
        var spec = await WriteSpecAsync(CliAssets.SpecYaml + "\npooled_only: false\n");

        var submit = await cli.RunAsync("submit", spec, "--model", CliAssets.Assets.BundlePath, "--nodes", "site-a,site-b", "--pooled-only");

        submit.ExitCode.Should().Be(ExitCodes.Ok, submit.ToString());
        submit.Output.Should().Contain("Pooled-only: the figures will be a secure sum of the sites");
        var id = System.Text.RegularExpressions.Regex.Match(submit.Output, @"evaluation (ev_\S+)").Groups[1].Value;
        using var channel = _federation.CreateEvaluatorChannel(_aliceToken);
        var evaluation = await new EvaluatorClient(channel).Raw.GetEvaluationAsync(new Contracts.V1.GetEvaluationRequest { EvaluationId = id });
        // The evaluation keeps the hash of the spec as it was sent: the file's text with the flag's line in place of its own.
        var expected = Partages.Cli.Commands.SubmitCommand.WithPooledOnly(await File.ReadAllTextAsync(spec));
        evaluation.SpecSha256.Should().Be(Partages.Evaluation.ContentHash.Of(expected));
        var sent = Partages.Evaluation.Specs.SpecParser.Parse(expected);
        sent.IsValid.Should().BeTrue();
        sent.Spec!.PooledOnly.Should().BeTrue("the flag replaced the spec's own pooled_only: false");
        await cli.RunAsync("cancel", id, "--reason", "no secure aggregation peers in this federation");
    }

    [Test]
    public async Task Submit_MalformedSpec_EveryErrorWithItsLineAndExit2()
    {
        var cli = await LoggedInAsync(_aliceToken);
        var spec = await WriteSpecAsync("""
            version: 1
            name: Not A Slug
            task: regression
            labels: [only-one]
            min_sites: zero
            """);

        var submit = await cli.RunAsync("submit", spec, "--model", new string('a', 64));

        submit.ExitCode.Should().Be(ExitCodes.BadInput, submit.ToString());
        var lines = submit.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines[0].Should().EndWith("is not a valid evaluation spec (5 error(s)):");
        lines.Skip(1).Should().HaveCount(5).And.OnlyContain(l => l.Contains(": line ", StringComparison.Ordinal));
        submit.Error.Should().Contain("line 2, column 7: name:").And.Contain("line 3, column 7: task:")
            .And.Contain("dataset:").And.Contain("line 4, column 9: labels:").And.Contain("line 5, column 12: min_sites:");
        submit.Output.Should().BeEmpty();
    }

    [Test]
    public async Task Submit_YamlThatYamlDotNetFailsOnWithoutAYamlException_OneLineWithItsPositionAndExit2()
    {
        // ERRATA 13: this spec made the CLI exit 1 with a stack trace (an InvalidOperationException from YamlDotNet).
        var cli = await LoggedInAsync(_aliceToken);
        var spec = await WriteSpecAsync("name: [a\nb: : c\n");

        var submit = await cli.RunAsync("submit", spec, "--model", new string('a', 64));

        submit.ExitCode.Should().Be(ExitCodes.BadInput, submit.ToString());
        submit.Error.Should().MatchRegex(@"line \d+, column \d+: spec: is not valid YAML").And.NotContain("   at ");
        submit.Output.Should().BeEmpty();
    }

    [Test]
    public async Task Results_UnknownId_Exit4()
    {
        var cli = await LoggedInAsync(_aliceToken);

        var results = await cli.RunAsync("results", "ev_does_not_exist", "--format", "json");

        results.ExitCode.Should().Be(ExitCodes.NotFound, results.ToString());
        results.Error.Trim().Should().Be("Evaluation 'ev_does_not_exist' does not exist.");
    }

    [Test]
    public async Task Login_WrongToken_Exit3AndNoProfileSaved()
    {
        var cli = new CliRunner(CliAssets.NewDirectory("config"));

        var login = await cli.RunAsync("login", "--coordinator", Url, "--token", "pta_not-a-real-token", "--ca-file", _caFile);
        var afterwards = await cli.RunAsync("nodes", "list");

        login.ExitCode.Should().Be(ExitCodes.Auth, login.ToString());
        login.Error.Should().Contain("refused the API token").And.NotContain("   at ");
        File.Exists(Path.Combine(cli.ConfigDirectory, ProfileStore.FileName)).Should().BeFalse();
        afterwards.ExitCode.Should().Be(ExitCodes.Auth);
        afterwards.Error.Should().Contain("Not logged in");
    }

    [Test]
    public async Task Login_WrongCaPin_Exit3AndNoProfileSaved()
    {
        var cli = new CliRunner(CliAssets.NewDirectory("config"));

        var login = await cli.RunAsync("login", "--coordinator", Url, "--token", _aliceToken, "--ca-sha256", new string('0', 64));

        login.ExitCode.Should().Be(ExitCodes.Auth, login.ToString());
        login.Error.Should().Contain($"not the pinned {new string('0', 64)}");
        File.Exists(Path.Combine(cli.ConfigDirectory, ProfileStore.FileName)).Should().BeFalse();
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Login_CaFile_ProfileSavedReadableByItsOwnerOnly()
    {
        var cli = new CliRunner(CliAssets.NewDirectory("config"));

        var login = await cli.RunAsync("login", "--coordinator", Url, "--token", _aliceToken, "--ca-file", _caFile);

        login.ExitCode.Should().Be(ExitCodes.Ok, login.ToString());
        login.Output.Should().Contain($"CA sha256 {_caPin}").And.Contain("3 node(s) enrolled");
        var profile = Path.Combine(cli.ConfigDirectory, ProfileStore.FileName);
        File.GetUnixFileMode(profile).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (await File.ReadAllTextAsync(profile)).Should().Contain(_aliceToken);
    }

    [Test]
    public async Task Login_NothingListening_Exit5()
    {
        var cli = new CliRunner(CliAssets.NewDirectory("config"));

        // Port 1 (tcpmux) is never served on the test machines: the connection is refused at once.
        var login = await cli.RunAsync("login", "--coordinator", "https://127.0.0.1:1", "--token", _aliceToken, "--ca-file", _caFile);

        login.ExitCode.Should().Be(ExitCodes.Unreachable, login.ToString());
        login.Error.Should().StartWith("Cannot reach the coordinator");
    }

    [Test]
    public async Task CancelAndWatch_OwnEvaluationOnAnOfflineNode_CancelledAndWatchExits1()
    {
        var cli = await LoggedInAsync(_aliceToken);
        var id = await SubmitOneSiteAsync(cli, "site-offline");

        var cancel = await cli.RunAsync("cancel", id, "--reason", "wrong model");
        var watch = await cli.RunAsync("watch", id);
        var results = await cli.RunAsync("results", id);

        cancel.ExitCode.Should().Be(ExitCodes.Ok, cancel.ToString());
        cancel.Output.Should().Contain($"Evaluation {id} is cancelled: cancelled by alice: wrong model");
        watch.ExitCode.Should().Be(ExitCodes.Failed, watch.ToString());
        watch.Output.Should().Contain("cancelled");
        results.ExitCode.Should().Be(ExitCodes.Failed, results.ToString());
        results.Error.Should().Contain("cancelled without a pooled result");
    }

    [Test]
    public async Task StatusThenResults_CancelledAfterMinSitesSucceeded_OfflineRunShownThenPooledRowPrintedAndExit1()
    {
        var cli = await LoggedInAsync(_aliceToken);
        var id = await SubmitOneSiteAsync(cli, "site-a,site-offline");
        using (var channel = _federation.CreateEvaluatorChannel(_aliceToken))
        {
            // Synchronise on the coordinator's own stream: site-a's result stored, site-offline still waiting.
            using var watch = new EvaluatorClient(channel).Raw.WatchEvaluation(new Contracts.V1.GetEvaluationRequest { EvaluationId = id });
            while (await watch.ResponseStream.MoveNext(CancellationToken.None)
                && !watch.ResponseStream.Current.Runs.Any(r => r.NodeName == "site-a" && r.State == Contracts.V1.RunState.Succeeded))
            {
                // Each snapshot comes when the coordinator commits a change; the loop ends at the one with site-a's result.
            }
        }

        var status = await cli.RunAsync("status", id);
        await cli.RunAsync("cancel", id, "--reason", "enough sites");
        var table = await cli.RunAsync("results", id);
        var csv = await cli.RunAsync("results", id, "--format", "csv");

        status.ExitCode.Should().Be(ExitCodes.Ok, status.ToString());
        status.Output.Should().MatchRegex(@"site-offline: offline \d+[smhd]\S* — the node was offline at submission").And.Contain("site-a: succeeded");
        table.ExitCode.Should().Be(ExitCodes.Failed, "a cancelled evaluation is not a completed one, even with a pooled row");
        table.Output.Should().Contain("cancelled").And.Contain("pooled");
        table.Error.Should().Contain($"Evaluation {id} was cancelled: cancelled by alice: enough sites");
        csv.ExitCode.Should().Be(ExitCodes.Failed);
        csv.Output.Should().Contain(",evaluation_state,,,cancelled").And.Contain(",release_note,,,");
    }

    [Test]
    public async Task CancelWatchResults_ReasonWithTerminalEscapes_PrintedEscaped()
    {
        var cli = await LoggedInAsync(_aliceToken);
        var id = await SubmitOneSiteAsync(cli, "site-offline");
        // The coordinator keeps a cancel reason as written; whoever reads the evaluation sees it.
        const string reason = "\u001b[2J\u001b[Hall sites succeeded\r\u202edetlecnac";

        var outputs = new[]
        {
            await cli.RunAsync("cancel", id, "--reason", reason),
            await cli.RunAsync("watch", id),
            await cli.RunAsync("results", id),
        };

        foreach (var printed in outputs.Select(o => o.Output + o.Error))
        {
            printed.Should().Contain("\\x1b[2J\\x1b[Hall sites succeeded\\r\\u202edetlecnac");
            printed.Should().NotContainAny("\u001b", "\r", "\u202e");
        }
    }

    [Test]
    public async Task OtherEvaluator_ResultsCancelAndList_NotFoundAndNotListed()
    {
        var alice = await LoggedInAsync(_aliceToken);
        var bob = await LoggedInAsync(_bobToken);
        var id = await SubmitOneSiteAsync(alice, "site-offline");

        var results = await bob.RunAsync("results", id);
        var cancel = await bob.RunAsync("cancel", id);
        var bobsList = await bob.RunAsync("evaluations", "list");
        var alicesList = await alice.RunAsync("evaluations", "list");
        await alice.RunAsync("cancel", id);

        results.ExitCode.Should().Be(ExitCodes.NotFound, results.ToString());
        cancel.ExitCode.Should().Be(ExitCodes.NotFound, cancel.ToString());
        bobsList.ExitCode.Should().Be(ExitCodes.Ok, bobsList.ToString());
        bobsList.Output.Should().NotContain(id);
        alicesList.Output.Should().Contain(id);
    }

    [Test]
    public async Task NodesList_LoggedIn_EveryEnrolledNodeWithItsState()
    {
        var cli = await LoggedInAsync(_bobToken);

        var nodes = await cli.RunAsync("nodes", "list");

        nodes.ExitCode.Should().Be(ExitCodes.Ok, nodes.ToString());
        nodes.Output.Should().Contain("site-a").And.Contain("site-b").And.Contain("site-offline").And.Contain("amr-reports");
    }

    [Test]
    public async Task Submit_UnknownNodes_EachFieldViolationOnItsOwnLineAndExit2()
    {
        var cli = await LoggedInAsync(_aliceToken);
        var spec = await WriteSpecAsync(CliAssets.SpecYaml);

        var submit = await cli.RunAsync("submit", spec, "--model", CliAssets.Assets.BundlePath, "--nodes", "ghost-1,ghost-2", "--quiet");

        submit.ExitCode.Should().Be(ExitCodes.BadInput, submit.ToString());
        var lines = submit.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        lines[0].Should().StartWith("Unknown or revoked node(s): ghost-1, ghost-2.");
        lines.Skip(1).Should().Equal(
            "  nodes: 'ghost-1' is not an enrolled node (or it was revoked)",
            "  nodes: 'ghost-2' is not an enrolled node (or it was revoked)");
    }

    [Test]
    public async Task Watch_BlankId_EvaluationIdViolationAndExit2()
    {
        var cli = await LoggedInAsync(_aliceToken);

        var watch = await cli.RunAsync("watch", " ");

        watch.ExitCode.Should().Be(ExitCodes.BadInput, watch.ToString());
        watch.Error.Should().Contain("  evaluation_id: must not be empty");
    }

    [Test]
    public async Task ListAsync_PageSizeOne_FollowsEveryPageToTheSameListAsOnePage()
    {
        var cli = await LoggedInAsync(_bobToken);
        for (var i = 0; i < 3; i++)
        {
            await SubmitOneSiteAsync(cli, "site-offline");
        }

        using var ca = X509CertificateLoader.LoadCertificateFromFile(_caFile);
        using var channel = CoordinatorTrust.CreateChannel(_federation.CoordinatorUrl, ca, _bobToken);
        var client = new EvaluatorClient(channel);

        var pageByPage = await client.ListAsync(limit: 0, pageSize: 1);
        var onePage = await client.ListAsync();
        var nodes = await client.ListNodesAsync(pageSize: 1);

        pageByPage.Count.Should().BeGreaterThanOrEqualTo(3);
        pageByPage.Select(e => e.Id).Should().Equal(onePage.Select(e => e.Id));
        nodes.Select(n => n.Name).Should().Equal("site-a", "site-b", "site-offline");
    }

    private string Url => _federation.CoordinatorUrl.ToString().TrimEnd('/');

    private async Task<CliRunner> LoggedInAsync(string token)
    {
        var cli = new CliRunner(CliAssets.NewDirectory("config"));
        var login = await cli.RunAsync("login", "--coordinator", Url, "--token", token, "--ca-sha256", _caPin);
        login.ExitCode.Should().Be(ExitCodes.Ok, login.ToString());
        return cli;
    }

    /// <summary>
    /// Submits the test spec with min_sites 1 to <paramref name="nodes"/> (site-offline never connects, so its run stays
    /// queued and the evaluation open) and returns the evaluation's id.
    /// </summary>
    private async Task<string> SubmitOneSiteAsync(CliRunner cli, string nodes)
    {
        var spec = await WriteSpecAsync(CliAssets.SpecYaml.Replace("min_sites: 2", "min_sites: 1", StringComparison.Ordinal));
        var submit = await cli.RunAsync("submit", spec, "--model", CliAssets.Assets.BundlePath, "--nodes", nodes, "--quiet");
        submit.ExitCode.Should().Be(ExitCodes.Ok, submit.ToString());
        return submit.Output.Trim();
    }

    private async Task<string> WriteSpecAsync(string yaml)
    {
        Directory.CreateDirectory(_work);
        var path = Path.Combine(_work, $"spec-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, yaml);
        return path;
    }
}
