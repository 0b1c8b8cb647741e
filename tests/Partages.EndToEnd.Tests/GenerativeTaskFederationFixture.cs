namespace Partages.EndToEnd.Tests;

/// <summary>
/// What the generative tasks' federation tests share: three sites, each given one of the model kit's hospital
/// datasets; the kit's bundle pinned; exact counts (differential privacy off), so the pool can be compared with the
/// sites and with local mode — the agent's <c>evaluate</c> command, run as a process on the same files
/// (<see cref="LocalResultAsync"/>).
/// </summary>
public abstract class GenerativeTaskFederationFixture : FederationFixture
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);
    protected static readonly string[] Sites = ["site-a", "site-b", "site-c"];

    /// <summary>The kit's bundle and its three datasets (slug, path, line count), one per site.</summary>
    protected (string BundlePath, IReadOnlyList<(string Slug, string Path, int Count)> Datasets) Kit { get; private set; }

    protected string Work { get; private set; } = null!;

    /// <summary>The work folder's name, the evaluator's, the dataset name the nodes serve, and the spec file under eval-specs/.</summary>
    protected abstract (string Work, string Evaluator, string Dataset, string SpecFile) Names { get; }

    /// <summary>Builds the kit's bundle into <paramref name="directory"/>: its path, hash and datasets.</summary>
    protected abstract (string BundlePath, string Sha256, IReadOnlyList<(string Slug, string Path, int Count)> Datasets) BuildKit(string directory);

    [OneTimeSetUp]
    public async Task StartFederation()
    {
        Work = FederationSupport.NewWorkDirectory(Names.Work);
        var (bundle, sha256, datasets) = BuildKit(Path.Combine(Work, "kit"));
        Kit = (bundle, datasets);
        var options = new FederationOptions { WorkDirectory = Work, DifferentialPrivacy = "off", PinnedBundleSha256 = [sha256] };
        await StartAsync(options, async federation =>
        {
            for (var i = 0; i < Sites.Length; i++)
            {
                await federation.AddNodeAsync(Sites[i], [new NodeDataset(Names.Dataset, datasets[i].Path)]);
            }
        }, Names.Evaluator, bundle);
    }

    /// <summary>The spec under eval-specs/ sent to the three sites.</summary>
    protected string Spec() => EvalSpecs.Read(Names.SpecFile).Replace("nodes: []", $"nodes: [{string.Join(", ", Sites)}]", StringComparison.Ordinal);

    /// <summary>
    /// Local mode on site <paramref name="site"/>'s dataset, as a process: its results, after checking that the
    /// predictions file has one line with an output per document.
    /// </summary>
    protected async Task<ResultDocument> LocalResultAsync(int site, string spec, CancellationToken cancellationToken)
    {
        var specPath = Path.Combine(Work, Names.SpecFile);
        await File.WriteAllTextAsync(specPath, spec, cancellationToken);
        var predictions = Path.Combine(Work, $"{Sites[site]}-predictions.jsonl");
        var log = Path.Combine(Work, $"evaluate-{Sites[site]}.log");
        _ = await ManagedProcess.RunAsync(
            $"evaluate-{Sites[site]}",
            Executables.NodeAgent,
            ["evaluate", "--model", Kit.BundlePath, "--spec", specPath, "--dataset", Kit.Datasets[site].Path, "--predictions-out", predictions],
            log,
            TimeSpan.FromMinutes(2),
            cancellationToken);
        (await File.ReadAllLinesAsync(predictions, cancellationToken)).Should().HaveCount(Kit.Datasets[site].Count)
            .And.OnlyContain(l => l.Contains("\"output\"", StringComparison.Ordinal));
        // The log holds both streams: the results JSON is the block from the line "{" to the line "}", whose inner
        // lines are all indented; a progress line on stderr can land between them and is not.
        var lines = await File.ReadAllLinesAsync(log, cancellationToken);
        var body = lines.SkipWhile(l => l != "{").Skip(1).TakeWhile(l => l != "}").Where(l => l.StartsWith(' '));
        return ResultJson.DeserializeSite(string.Join('\n', body.Prepend("{").Append("}")));
    }
}
