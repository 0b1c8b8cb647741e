using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Partages.Dashboard.Tests.Browser;
using Partages.Demo.Federation;
using Partages.Evaluation;
using Partages.ModelKit;
using Partages.Testing.Provisioning;

namespace Partages.Dashboard.Tests.Infrastructure;

/// <summary>
/// Started once for every test in this assembly: Chromium (installed first if the machine lacks it, see
/// <see cref="ChromiumProvisioner"/>), the demo assets, a coordinator and three hospital node agents as
/// real processes (LocalFederation), API tokens, the model bundle uploaded, and Chromium driven by Playwright.
/// Each hospital exposes its AMR reports twice: as they are, and repeated with fresh ids ("amr-large") so that a run
/// lasts long enough for its progress to be watched moving; and its oncology reports with their entities
/// ("oncology-reports"), for the entity recognition bundle, uploaded too.
/// </summary>
public sealed class DashboardFederation
{
    /// <summary>How many times each hospital's file is repeated in amr-large.</summary>
    private const int LargeRepeats = 60;

    private static DashboardFederation? _current;

    private LocalFederation? _federation;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private GrpcChannel? _channel;

    public static DashboardFederation Current => _current ?? throw new InvalidOperationException("The federation is started by the set-up fixture (FederationSetUp).");

    public static TimeSpan Timeout { get; } = TimeSpan.FromMinutes(3);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "partages-dashboard-" + Environment.ProcessId);

    public LocalFederation Federation => _federation ?? throw new InvalidOperationException("Not started.");

    public Uri BaseUrl => Federation.CoordinatorUrl;

    public IReadOnlyList<string> NodeNames { get; private set; } = [];

    public string ViewerToken { get; private set; } = "";

    public string EvaluatorToken { get; private set; } = "";

    public string BundleSha256 { get; private set; } = "";

    public string NerBundleSha256 { get; private set; } = "";

    /// <summary>Whether Chromium is there; when it is not, <see cref="BrowserTests.Chromium_ProvisionedBeforeTheBrowserTests_IsAvailable"/> fails with why.</summary>
    public PackageProvisioning Chromium { get; private set; } = new("/usr/bin/chromium", "Chromium was not looked for: the set-up did not get that far.");

    /// <summary>The browser; a test that needs it is skipped when Chromium is unavailable, and one test says why (one failure, not one per test).</summary>
    public IBrowser Browser => _browser ?? Skip();

    public EvaluationService.EvaluationServiceClient Evaluations { get; private set; } = null!;

    /// <summary>The set-up fixture keeps this before starting it, so its teardown can stop whatever a failed start had started.</summary>
    public static DashboardFederation Create() => _current = new DashboardFederation();

    public async Task StartAsync()
    {
        Chromium = await ChromiumProvisioner.EnsureAsync(ChromiumProvisioner.Options(Path.Combine(Root, "chromium-install.log")), CancellationToken.None);
        await StartProcessesAsync();
        if (Chromium.IsAvailable)
        {
            await LaunchBrowserAsync();
        }
    }

    private async Task StartProcessesAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var assets = await DemoAssets.EnsureBuiltAsync(Path.Combine(Root, "assets"), null, cts.Token);
        var work = Path.Combine(Root, "federation");
        _federation = await LocalFederation.StartAsync(new FederationOptions
        {
            WorkDirectory = work,
            PinnedBundleSha256 = [assets.BundleSha256, assets.NerBundleSha256],
            // Every browser test signs in from 127.0.0.1, more often than the default 10 a minute a person needs.
            CoordinatorArguments = ["--Coordinator:LoginAttemptsPerMinute=1000"],
        }, cts.Token);
        var names = new List<string>();
        foreach (var hospital in assets.Hospitals)
        {
            var large = Path.Combine(work, $"{hospital.Slug}-amr-large.jsonl");
            await File.WriteAllTextAsync(large, Repeat(await File.ReadAllLinesAsync(hospital.AmrPath, cts.Token), LargeRepeats), cts.Token);
            await _federation.AddNodeAsync(hospital.Slug, [new NodeDataset("amr-reports", hospital.AmrPath), new NodeDataset("amr-large", large), new NodeDataset("oncology-reports", hospital.OncologyPath)], cts.Token);
            names.Add(hospital.Slug);
        }

        // The coordinator logs this once the node's session is registered: from then on it is online.
        foreach (var name in names)
        {
            await _federation.Coordinator.WaitForLineAsync(new Regex($@"Node {Regex.Escape(name)} connected"), Timeout, cts.Token);
        }

        NodeNames = names;
        ViewerToken = await _federation.CreateApiTokenAsync("wall-screen", "viewer", cts.Token);
        EvaluatorToken = await _federation.CreateApiTokenAsync("dashboard-tests", "evaluator", cts.Token);
        _channel = _federation.CreateEvaluatorChannel(EvaluatorToken);
        Evaluations = new EvaluationService.EvaluationServiceClient(_channel);
        BundleSha256 = await UploadAsync(assets.BundlePath, cts.Token);
        NerBundleSha256 = await UploadAsync(assets.NerBundlePath, cts.Token);
    }

    private async Task LaunchBrowserAsync()
    {
        _playwright = await Playwright.CreateAsync();
        try
        {
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium.ExecutablePath,
                Headless = true,
                // Without the background-networking flags Chromium keeps dialling out, which a closed network refuses.
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            });
        }
        catch (PlaywrightException ex)
        {
            // Installed but unusable (a library missing, a broken package): the same single failure as a missing browser.
            Chromium = Chromium with { Problem = $"Chromium at {Chromium.ExecutablePath} did not start: {ex.Message.Split('\n')[0]}. Reinstall it: {ChromiumProvisioner.InstallCommand}" };
            return;
        }

        Assertions.SetDefaultExpectTimeout(30_000);
    }

    /// <summary>Stops the browser, Playwright's driver and every process of the federation, whichever of them started and whatever fails.</summary>
    public async Task StopAsync()
    {
        try
        {
            if (_browser is not null)
            {
                await _browser.DisposeAsync();
            }
        }
        finally
        {
            try
            {
                _playwright?.Dispose();
                _channel?.Dispose();
            }
            finally
            {
                if (_federation is not null)
                {
                    await _federation.DisposeAsync();
                }
            }
        }

        if (Directory.Exists(Root) && TestContext.CurrentContext.Result.FailCount == 0)
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    private IBrowser Skip()
    {
        Assert.Ignore($"No browser: {Chromium.Problem} (reported once, as the failure of {nameof(BrowserTests)}.{nameof(BrowserTests.Chromium_ProvisionedBeforeTheBrowserTests_IsAvailable)}).");
        return null!;
    }

    /// <summary>A browser context for one test: its own cookies, a wall screen's viewport, the coordinator's own CA not known to Chromium.</summary>
    public async Task<IBrowserContext> NewContextAsync() =>
        await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl.ToString().TrimEnd('/'),
            IgnoreHTTPSErrors = true,
            ViewportSize = new ViewportSize { Width = 1920, Height = 1080 },
            Locale = "en-GB",
            TimezoneId = "Europe/Paris",
        });

    /// <summary>Submits the shipped AMR spec on <paramref name="dataset"/> to every node, through the gRPC evaluator API.</summary>
    public async Task<Contracts.V1.Evaluation> SubmitAsync(string dataset, CancellationToken cancellationToken)
    {
        var spec = (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "eval-specs", "amr-resistance.yaml"), cancellationToken))
            .Replace("dataset: amr-reports", $"dataset: {dataset}", StringComparison.Ordinal);
        return await Evaluations.SubmitEvaluationAsync(new SubmitEvaluationRequest { SpecYaml = spec, ModelBundleSha256 = BundleSha256 }, cancellationToken: cancellationToken);
    }

    /// <summary>Submits the shipped oncology entity recognition spec (oncology-reports) with the NER bundle to every node.</summary>
    public async Task<Contracts.V1.Evaluation> SubmitNerAsync(CancellationToken cancellationToken)
    {
        var spec = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "eval-specs", "oncology-biomarkers-ner.yaml"), cancellationToken);
        return await Evaluations.SubmitEvaluationAsync(new SubmitEvaluationRequest { SpecYaml = spec, ModelBundleSha256 = NerBundleSha256 }, cancellationToken: cancellationToken);
    }

    /// <summary>Follows the evaluation's gRPC watch stream until it is final.</summary>
    public async Task<Contracts.V1.Evaluation> WaitUntilFinalAsync(string id, CancellationToken cancellationToken)
    {
        using var call = Evaluations.WatchEvaluation(new GetEvaluationRequest { EvaluationId = id }, cancellationToken: cancellationToken);
        await foreach (var snapshot in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            if (snapshot.State != EvaluationState.Running)
            {
                return snapshot;
            }
        }

        return await Evaluations.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = id }, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Kills a hospital's node agent, as a crash would. A run offered to it while it is down stays offline, so an
    /// evaluation is held running, deterministically, until <see cref="StartNode"/>.
    /// </summary>
    public async Task StopNodeAsync(string name) => await Federation.Nodes[name].Process.DisposeAsync();

    /// <summary>Starts the node agent again on its identity; it reconnects and takes its waiting runs.</summary>
    public void StartNode(string name)
    {
        var node = Federation.Nodes[name];
        if (node.Process.HasExited)
        {
            node.Start();
        }
    }

    /// <summary>On dispose, cancels the evaluation if it is still running (a failed test must not leave the nodes busy).</summary>
    public IAsyncDisposable CancelIfRunning(string evaluationId) => new Cancellation(Evaluations, evaluationId);

    private async Task<string> UploadAsync(string bundlePath, CancellationToken cancellationToken)
    {
        var sha256 = await ContentHash.OfFileAsync(bundlePath, cancellationToken);
        using var call = Evaluations.UploadArtifact(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new UploadArtifactRequest
        {
            Header = new ArtifactRef { Sha256 = sha256, SizeBytes = new FileInfo(bundlePath).Length, MediaType = "application/vnd.partages.model-bundle+zip" },
        }, cancellationToken);
        await call.RequestStream.WriteAsync(new UploadArtifactRequest { Data = ByteString.CopyFrom(await File.ReadAllBytesAsync(bundlePath, cancellationToken)) }, cancellationToken);
        await call.RequestStream.CompleteAsync();
        return (await call.ResponseAsync).Sha256;
    }

    /// <summary>The file's lines <paramref name="times"/> over, each copy with its own ids (the engine skips a repeated id).</summary>
    private static string Repeat(string[] lines, int times)
    {
        var text = new StringBuilder();
        for (var copy = 0; copy < times; copy++)
        {
            foreach (var line in lines.Where(l => l.Length > 0))
            {
                var document = JsonNode.Parse(line)!.AsObject();
                document["id"] = $"{document["id"]!.GetValue<string>()}-copy{copy}";
                text.Append(document.ToJsonString()).Append('\n');
            }
        }

        return text.ToString();
    }

    private sealed class Cancellation(EvaluationService.EvaluationServiceClient client, string evaluationId) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            var evaluation = await client.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluationId });
            if (evaluation.State == EvaluationState.Running)
            {
                await client.CancelEvaluationAsync(new CancelEvaluationRequest { EvaluationId = evaluationId, Reason = "test cleanup" });
            }
        }
    }
}
