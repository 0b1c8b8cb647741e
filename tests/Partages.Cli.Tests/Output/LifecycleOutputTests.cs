using System.Text.Json.Nodes;

namespace Partages.Cli.Tests.Output;

/// <summary>
/// What every output says beyond the figures: the release notes in each format, a cancelled evaluation, how long a run
/// has waited; and <c>keys generate</c>. Unit level: documents built by the evaluation library, the CLI's entry point
/// for the key, no coordinator.
/// </summary>
public sealed class LifecycleOutputTests
{
    private static readonly string[] Labels = ["BLSE", "SARM"];

    [Test]
    public void Csv_ExactCountsEvaluation_EndsWithStateAndReleaseNoteRows()
    {
        var rows = ResultFormats.Csv(Exact(EvaluationState.Completed)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        rows.Should().Contain(",evaluation_state,,,completed");
        rows.Should().Contain(r => r.StartsWith(",release_note,,,Exact counts (differential privacy switched off", StringComparison.Ordinal));
        rows[^1].Should().StartWith(",release_note,,,", "the notes close the file, after every figure");
    }

    [Test]
    public void Json_CancelledEvaluation_CarriesStateAndReleaseNotesBesideTheDocument()
    {
        var json = JsonNode.Parse(ResultFormats.Json(Exact(EvaluationState.Cancelled, "wrong bundle")))!;

        json["evaluation_state"]!.GetValue<string>().Should().Be("cancelled");
        var notes = json["release_notes"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        notes.Should().Contain(n => n.StartsWith("Exact counts", StringComparison.Ordinal));
        notes.Should().Contain(n => n.StartsWith("Cancelled: wrong bundle", StringComparison.Ordinal));
        json["schema"]!.GetValue<string>().Should().Be("partages.pooled-results/v1", "the stored document is still all there");
    }

    [Test]
    public void Markdown_CancelledEvaluation_SaysCancelledInStateAndNotes()
    {
        var markdown = ResultFormats.Markdown(Exact(EvaluationState.Cancelled, "wrong bundle"));

        markdown.Should().Contain("State: **cancelled**").And.Contain("## Release notes").And.Contain("- Cancelled: wrong bundle");
    }

    [Test]
    public void NameWithWait_RunAwaitingApprovalForTwoHours_StateAndDuration()
    {
        var now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        var run = new Run { State = RunState.AwaitingApproval, WaitingSince = Timestamp.FromDateTimeOffset(now.AddMinutes(-125)) };

        RunStates.NameWithWait(run, now).Should().Be("awaiting_approval 2h05m");
        RunStates.NameWithWait(new Run { State = RunState.Running }, now).Should().Be("running");
        RunStates.Name(RunState.NotParticipating).Should().Be("not_participating");
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task KeysGenerate_NewName_WritesOwnerOnlyPrivateKeyAndPrintsTheKeyIdOfThePublicKey()
    {
        var folder = CliAssets.NewDirectory("keys");
        var cli = new CliRunner(folder);

        var generated = await cli.RunAsync("keys", "generate", "--name", "equipe-ia");
        var again = await cli.RunAsync("keys", "generate", "--name", "equipe-ia");

        generated.ExitCode.Should().Be(ExitCodes.Ok, generated.ToString());
        var privateKey = Path.Combine(folder, "keys", "equipe-ia.key.pem");
        var publicKey = Path.Combine(folder, "keys", "equipe-ia.pub.pem");
        File.GetUnixFileMode(privateKey).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        generated.Output.Should().Contain($"Key id:      {BundleSigning.KeyIdOfPem(await File.ReadAllTextAsync(publicKey))}");
        again.ExitCode.Should().Be(ExitCodes.BadInput, "a signing key is never overwritten");
    }

    private static EvaluationView Exact(EvaluationState state, string reason = "")
    {
        var counts = new ClassificationCounts(Labels);
        counts.Add(0, 0);
        counts.Add(1, 1);
        var task = TaskTypes.SingleLabelClassification;
        var site = ResultDocument.FromCounts(task, counts, new InputSummary { DocumentsRead = 2, DocumentsEvaluated = 2 }) with { Release = new ReleaseSection() };
        var pooled = PooledResultDocument.Pool(task, Labels, new Dictionary<string, ResultDocument> { ["site-a"] = site }, []);
        return new EvaluationView
        {
            Id = "ev_1",
            Name = "amr",
            State = state,
            Reason = reason,
            MinSites = 1,
            PooledResultJson = ResultJson.Serialize(pooled),
        };
    }
}
