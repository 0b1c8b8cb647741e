using Partages.Contracts.V1;
using EvaluationView = Partages.Contracts.V1.Evaluation;
using Partages.Client;
using Partages.Demo.Federation;
using Partages.Client.Presentation;
using Partages.ModelKit;

namespace Partages.Demo;

/// <summary>
/// The main job: fictional data and model built when missing, a coordinator and three hospital
/// node agents started as processes, the AMR spec evaluated, results printed.
/// </summary>
public sealed class DemoRunner(IAnsiConsole console)
{
    /// <param name="qualityControl">
    /// Also run the federated dataset QC (<c>eval-specs/amr-dataset-qc.yaml</c>, no model) and show the three hospitals'
    /// datasets side by side after the AMR results (<c>--qc</c>, the README's documented second demo command).
    /// </param>
    public async Task<int> RunAsync(DirectoryInfo workDirectory, DirectoryInfo? assets, double hospitalScale, CancellationToken cancellationToken, bool qualityControl = false)
    {
        var assetsDirectory = assets?.FullName ?? Path.Combine(workDirectory.FullName, "assets");
        var runDirectory = Path.Combine(workDirectory.FullName, "run");
        console.MarkupLine($"[bold]Partages demo federation[/] — working in {Markup.Escape(workDirectory.FullName)}");

        var built = await console.Status().StartAsync("Building fictional data and the demo model (reused when present)…",
            _ => DemoAssets.EnsureBuiltAsync(assetsDirectory, DemoAssetOptions.DemoFederation with { HospitalScale = hospitalScale }, cancellationToken)).ConfigureAwait(false);
        console.MarkupLine($"Model bundle [grey]{Markup.Escape(built.BundlePath)}[/]");

        // Each demo run starts a fresh federation; the generated assets are kept.
        if (Directory.Exists(runDirectory))
        {
            Directory.Delete(runDirectory, recursive: true);
        }

        await using var federation = await LocalFederation.StartAsync(new FederationOptions { WorkDirectory = runDirectory, PinnedBundleSha256 = [built.BundleSha256] }, cancellationToken).ConfigureAwait(false);
        console.MarkupLine($"Coordinator listening on [bold]{federation.CoordinatorUrl}[/] (logs in {Markup.Escape(federation.LogDirectory)})");

        foreach (var hospital in built.Hospitals)
        {
            await federation.AddNodeAsync(hospital.Slug, [new NodeDataset("amr-reports", hospital.AmrPath)], cancellationToken).ConfigureAwait(false);
            console.MarkupLine($"Node [bold]{Markup.Escape(hospital.Slug)}[/] enrolled over mTLS and started");
        }

        var token = await federation.CreateApiTokenAsync("demo-evaluator", "evaluator", cancellationToken).ConfigureAwait(false);
        using var channel = federation.CreateEvaluatorChannel(token);
        var client = new EvaluatorClient(channel);
        var bundle = await client.UploadBundleAsync(built.BundlePath, cancellationToken).ConfigureAwait(false);
        // The demo evaluator signs its bundle (ModelKit's DemoSigner); the signature travels with every offer.
        var signature = DetachedSignature.FromJson(await File.ReadAllTextAsync(built.SignaturePath, cancellationToken).ConfigureAwait(false));
        var wireSignature = new BundleSignature { Algorithm = signature.Algorithm, KeyId = signature.KeyId, Signature = Google.Protobuf.ByteString.CopyFrom(signature.Signature) };

        // Submits a spec of eval-specs/ on the signed bundle.
        async Task<EvaluationView> SubmitShippedSpecAsync(string fileName)
        {
            var spec = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "eval-specs", fileName), cancellationToken).ConfigureAwait(false);
            return await client.SubmitAsync(spec, bundle.Sha256, signature: wireSignature, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var submitted = await SubmitShippedSpecAsync("amr-resistance.yaml").ConfigureAwait(false);
        console.MarkupLine($"Submitted evaluation [bold]{Markup.Escape(submitted.Id)}[/] to {submitted.Runs.Count} node(s)");

        var final = await WatchWithProgressAsync(client, submitted, cancellationToken).ConfigureAwait(false);
        ResultsTable.Write(console, final);
        Presentation.AurocTable.Write(console, final);
        if (!qualityControl || final.State != EvaluationState.Completed)
        {
            return final.State == EvaluationState.Completed ? 0 : 1;
        }

        // A dataset QC runs no model: each node profiles its reports and releases aggregates. Given the same signed
        // bundle (checked by every node as before), its tokenizer adds lengths in pieces and the unknown-piece rate.
        var qc = await SubmitShippedSpecAsync("amr-dataset-qc.yaml").ConfigureAwait(false);
        console.MarkupLine($"Submitted dataset QC [bold]{Markup.Escape(qc.Id)}[/] (no model run; the bundle's tokenizer only) to {qc.Runs.Count} node(s)");
        var qcFinal = await WatchWithProgressAsync(client, qc, cancellationToken).ConfigureAwait(false);
        ResultsTable.Write(console, qcFinal);
        return qcFinal.State == EvaluationState.Completed ? 0 : 1;
    }

    private async Task<EvaluationView> WatchWithProgressAsync(EvaluatorClient client, EvaluationView submitted, CancellationToken cancellationToken)
    {
        EvaluationView final = submitted;
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var bars = submitted.Runs.ToDictionary(r => r.Id, r => context.AddTask(Describe(r), maxValue: 1));
                final = await client.WatchUntilFinalAsync(submitted.Id, snapshot =>
                {
                    foreach (var run in snapshot.Runs)
                    {
                        if (!bars.TryGetValue(run.Id, out var bar))
                        {
                            continue;
                        }

                        bar.Description = Describe(run);
                        if (run.State is RunState.Running && run.Total > 0)
                        {
                            bar.MaxValue = run.Total;
                            bar.Value = run.Done;
                        }
                        else if (run.State is RunState.Succeeded or RunState.Failed or RunState.Cancelled or RunState.Rejected or RunState.NotParticipating)
                        {
                            bar.Value = bar.MaxValue;
                            bar.StopTask();
                        }
                    }
                }, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return final;
    }

    private static string Describe(Run run) => $"{Markup.Escape(run.NodeName),-18} {run.State.ToString().ToLowerInvariant(),-11}";
}
