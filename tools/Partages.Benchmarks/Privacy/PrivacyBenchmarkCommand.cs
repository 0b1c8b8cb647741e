using System.CommandLine;

namespace Partages.Benchmarks.Privacy;

/// <summary>`privacy`: the error differential privacy adds to released figures (docs/benchmarks.md, "Utility under differential privacy").</summary>
internal static class PrivacyBenchmarkCommand
{
    public static Command Create()
    {
        var releases = new Option<int>("--releases") { Description = "Independent releases of each site's exact result, each with fresh noise from the CSPRNG.", DefaultValueFactory = _ => 100 };
        var datasets = new Option<PrivacyDatasets>("--datasets") { Description = "demo: the demo federation's data; generated: --sites × --reports-per-site from the model kit; both.", DefaultValueFactory = _ => PrivacyDatasets.Both };
        var sites = new Option<int>("--sites") { Description = "Sites of the generated dataset (the demo's hospital profiles, in order).", DefaultValueFactory = _ => 3 };
        var reports = new Option<int>("--reports-per-site") { Description = "Reports per site of the generated dataset.", DefaultValueFactory = _ => 2000 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the generated dataset.", DefaultValueFactory = _ => 20260122 };
        var epsilon = new Option<double>("--epsilon") { Description = "ε per release at the policy's δ (default: the policy's default).", DefaultValueFactory = _ => Partages.NodeAgent.Policy.DifferentialPrivacyPolicy.DefaultEpsilonPerRelease };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads of the engine.", DefaultValueFactory = _ => 2 };
        var assetsDir = new Option<string>("--assets-dir") { Description = "The demo's fictional data and model (built there when missing, as 'dotnet run --project tools/Partages.Demo' does).", DefaultValueFactory = _ => Path.Combine(".demo", "assets") };
        var workDir = new Option<string>("--work-dir") { Description = "Where the generated corpora and privacy-benchmark.json go.", DefaultValueFactory = _ => Path.Combine("artifacts", "benchmarks", "privacy") };
        var command = new Command("privacy", "The error differential privacy adds to accuracy, macro F1 and AUROC, per site and pooled, over many releases through the real release gate.")
        {
            releases, datasets, sites, reports, seed, epsilon, threads, assetsDir, workDir,
        };
        SettingsErrors.SetAction(
            command,
            parse => new PrivacySettings
            {
                Releases = parse.GetValue(releases),
                Datasets = parse.GetValue(datasets),
                Sites = parse.GetValue(sites),
                ReportsPerSite = parse.GetValue(reports),
                Seed = parse.GetValue(seed),
                Epsilon = parse.GetValue(epsilon),
                Threads = parse.GetValue(threads),
                AssetsDirectory = Path.GetFullPath(parse.GetValue(assetsDir)!),
                WorkDirectory = Path.GetFullPath(parse.GetValue(workDir)!),
            },
            async (settings, cancellationToken) =>
            {
                await PrivacyBenchmark.RunAsync(settings, Console.Out, cancellationToken).ConfigureAwait(false);
                return 0;
            });
        return command;
    }
}
