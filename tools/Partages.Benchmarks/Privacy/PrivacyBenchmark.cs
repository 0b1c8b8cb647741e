using Partages.Benchmarks.Engine;
using Partages.Evaluation.Privacy;
using Partages.Evaluation.Specs;
using Partages.ModelKit;
using Partages.NodeAgent.Policy;
using Partages.NodeAgent.ReleaseGate;

namespace Partages.Benchmarks.Privacy;

/// <summary>
/// The privacy benchmark of issue 22 (docs/benchmarks.md): for each dataset, the real engine once per site (exact
/// results), then <see cref="PrivacySettings.Releases"/> releases of every site through the real release gate with
/// the production sampler, pooled as the coordinator pools; every figure compared with the exact one.
/// </summary>
internal static class PrivacyBenchmark
{
    public const string DemoDataset = "demo";
    public const string GeneratedDataset = "generated";

    public static async Task RunAsync(PrivacySettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        Directory.CreateDirectory(settings.WorkDirectory);
        output.WriteLine(Describe.Machine());
        var assets = await DemoAssets.EnsureBuiltAsync(settings.AssetsDirectory, DemoAssetOptions.DemoFederation, cancellationToken).ConfigureAwait(false);
        output.WriteLine($"demo assets: {assets.OutputDirectory} ({(assets.Reused ? "reused" : "built")}); bundle {assets.BundlePath}, sha256 {assets.BundleSha256[..16]}…");
        var spec = await PrivacyCorpora.LoadSpecAsync(cancellationToken).ConfigureAwait(false);
        var policy = settings.Policy;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"spec {spec.Name} ({spec.Task}, labels {string.Join(", ", spec.Labels)}); policy: ε {policy.EpsilonPerRelease} per release at δ {policy.Delta:0.#####E0}, ρ {policy.RhoPerRelease:0.######}; {settings.Releases} releases per site, noise from the CSPRNG (DiscreteGaussianNoise.Instance)"));

        var results = new List<DatasetUtility>();
        if (settings.Datasets is PrivacyDatasets.Both or PrivacyDatasets.Demo)
        {
            results.Add(await MeasureAsync(DemoDataset, assets.BundlePath, spec, PrivacyCorpora.Demo(assets), settings, policy, DiscreteGaussianNoise.Instance, output, cancellationToken).ConfigureAwait(false));
        }

        if (settings.Datasets is PrivacyDatasets.Both or PrivacyDatasets.Generated)
        {
            var corpora = await PrivacyCorpora.GenerateAsync(settings.WorkDirectory, settings.Sites, settings.ReportsPerSite, settings.Seed, cancellationToken).ConfigureAwait(false);
            var name = string.Create(CultureInfo.InvariantCulture, $"{GeneratedDataset} ({settings.Sites} × {settings.ReportsPerSite}, seed {settings.Seed})");
            results.Add(await MeasureAsync(name, assets.BundlePath, spec, corpora, settings, policy, DiscreteGaussianNoise.Instance, output, cancellationToken).ConfigureAwait(false));
        }

        var path = Path.Combine(settings.WorkDirectory, "privacy-benchmark.json");
        output.WriteLine();
        await FiguresFile.WriteAsync(path, results, output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One dataset: exact results from the engine, then the releases; printed as it ends.</summary>
    public static async Task<DatasetUtility> MeasureAsync(
        string dataset,
        string bundlePath,
        EvaluationSpec spec,
        IReadOnlyList<SiteCorpus> corpora,
        PrivacySettings settings,
        DifferentialPrivacyPolicy policy,
        ICountNoise noise,
        TextWriter output,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(settings);
        var (sites, engineTime) = await PrivacyCorpora.EvaluateAsync(bundlePath, spec, corpora, settings.Threads, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var utility = await Task.Run(
            () => ReleaseUtility.Measure(dataset, spec.Task, spec.Labels, sites, settings.Releases, policy, noise, engineTime),
            cancellationToken).ConfigureAwait(false);
        PrivacyReportWriter.Write(output, utility);
        return utility;
    }
}
