using Partages.Evaluation.Specs;
using Partages.ModelKit;
using Partages.NodeAgent.Engine;
using Partages.NodeAgent.Engine.Datasets;

namespace Partages.Benchmarks.Privacy;

/// <summary>One site's dataset: a JSON Lines file of AMR reports, as a node's <c>datasets[]</c> entry points at it.</summary>
internal sealed record SiteCorpus(string Name, string Path, int Reports);

/// <summary>The sites the <c>privacy</c> benchmark evaluates, and their exact results from the real engine.</summary>
internal static class PrivacyCorpora
{
    /// <summary>The demo's spec: what the three fictional hospitals are asked to evaluate.</summary>
    public const string SpecFileName = "amr-resistance.yaml";

    /// <summary>The demo's spec file, copied beside the demo (and so beside this tool) from eval-specs/.</summary>
    public static async Task<EvaluationSpec> LoadSpecAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "eval-specs", SpecFileName);
        var parsed = SpecParser.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
        return parsed.IsValid ? parsed.Spec! : throw new InvalidDataException($"{path} is not a valid spec: {parsed.Describe()}");
    }

    /// <summary>The demo federation's data: each fictional hospital's AMR reports, as the demo gives them to its node.</summary>
    public static IReadOnlyList<SiteCorpus> Demo(DemoAssetSet assets)
    {
        ArgumentNullException.ThrowIfNull(assets);
        return [.. assets.Hospitals.Select(h => new SiteCorpus(h.Slug, h.AmrPath, h.AmrCount))];
    }

    /// <summary>
    /// <paramref name="reportsPerSite"/> reports for each of the first <paramref name="sites"/> demo hospitals, from the
    /// model kit's generator with each hospital's profile (style, case mix, hard cases) and the given seed, written
    /// to JSON Lines with the model kit's writer. Same arguments, same bytes.
    /// </summary>
    public static async Task<IReadOnlyList<SiteCorpus>> GenerateAsync(string directory, int sites, int reportsPerSite, ulong seed, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sites, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sites, SyntheticHospitals.All.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(reportsPerSite, 1);
        var folder = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"generated-seed{seed}-{reportsPerSite}"));
        Directory.CreateDirectory(folder);
        var corpora = new List<SiteCorpus>();
        foreach (var profile in SyntheticHospitals.All.Take(sites))
        {
            var reports = AmrReportGenerator.Generate(profile, reportsPerSite, seed);
            var path = Path.Combine(folder, profile.Slug + ".jsonl");
            await File.WriteAllBytesAsync(path, Jsonl.ToBytes(reports), cancellationToken).ConfigureAwait(false);
            corpora.Add(new SiteCorpus(profile.Slug, path, reports.Count));
        }

        return corpora;
    }

    /// <summary>Runs the real evaluation engine once per site, in process, with its default options but <paramref name="threads"/>.</summary>
    public static async Task<(IReadOnlyList<ExactSite> Sites, TimeFigures Time)> EvaluateAsync(
        string bundlePath,
        EvaluationSpec spec,
        IReadOnlyList<SiteCorpus> corpora,
        int threads,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(corpora);
        var engine = new EvaluationEngine(new EvaluationEngineOptions { IntraOpNumThreads = threads });
        var sites = new List<ExactSite>();
        var clock = ProcessClock.Start();
        foreach (var corpus in corpora)
        {
            var job = new EvaluationJob(bundlePath, spec, new DatasetDefinition(spec.Dataset, Path.GetFullPath(corpus.Path), DatasetFormats.Jsonl));
            var result = await engine.EvaluateAsync(job, progress: null, cancellationToken).ConfigureAwait(false);
            if (result.InputSummary.DocumentsEvaluated != corpus.Reports)
            {
                throw new InvalidOperationException($"{corpus.Name}: the engine evaluated {result.InputSummary.DocumentsEvaluated} of {corpus.Reports} reports.");
            }

            sites.Add(new ExactSite(corpus.Name, result));
        }

        var (wall, cpu) = clock.Elapsed();
        return (sites, new TimeFigures(wall, cpu));
    }
}
