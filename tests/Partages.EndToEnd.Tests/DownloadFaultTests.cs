using System.Globalization;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// Issue 5's download faults with real processes: the network cut in the middle of a bundle download (a
/// <see cref="TcpRelay"/> between one node agent and the coordinator), and corrupt chunks where corruption really
/// happens behind TLS, on the node's disk: a byte flipped in the partial file of a node killed mid-download, and in a
/// cached bundle. Every step waits on a line a process prints or on the relay's cut, never on a timer.
/// </summary>
[NonParallelizable]
public sealed partial class DownloadFaultTests
{
    // About 16 MiB: 17 chunks of the node's 1 MiB, so a cut at 60 % lands well inside the download.
    private const int PaddingBytes = 16 * 1024 * 1024;
    private const int ChunkBytes = 1024 * 1024;

    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan LineTimeout = TimeSpan.FromMinutes(2);

    [Test]
    public async Task Download_NetworkCutMidway_ResumesFromTheCutAndTheResultEqualsAnUncutNodes()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var work = FederationSupport.NewWorkDirectory("download-cut");
        var (bundlePath, sha, size) = await PadBundleAsync(work);
        await using var federation = await StartFederationAsync(work, sha, cts.Token);
        await using var relay = new TcpRelay(federation.CoordinatorUrl);
        var dataset = TestAssets.Assets.Hospitals[0].AmrPath;
        await federation.AddNodeAsync("direct", [new NodeDataset("amr-reports", dataset)], cts.Token);
        var relayed = await federation.AddNodeAsync("relayed", [new NodeDataset("amr-reports", dataset)], new NodeSettings { CoordinatorUrl = relay.Url }, cts.Token);
        using var channel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("faults", "evaluator", cts.Token));
        var evaluator = new EvaluatorClient(channel);
        await evaluator.UploadBundleAsync(bundlePath, cts.Token);

        // Armed just before the submission: what flows to the node from here is the offer, then the bundle.
        relay.CutAfterDownstreamBytes(size * 6 / 10);
        var submitted = await evaluator.SubmitAsync(TestAssets.Spec(nodes: ["direct", "relayed"], minSites: 2), sha, cancellationToken: cts.Token);
        var forwarded = await relay.Cut.WaitAsync(cts.Token);
        var interrupted = await relayed.Process.WaitForLineAsync(Interrupted(sha), LineTimeout, cts.Token);
        relay.Restore();
        var final = await evaluator.WatchUntilFinalAsync(submitted.Id, cancellationToken: cts.Token);
        var resumed = await relayed.Process.WaitForLineAsync(Resuming(sha), LineTimeout, cts.Token);

        final.State.Should().Be(EvaluationState.Completed, final.Reason);
        final.IncludedSites.Should().Equal("direct", "relayed");
        var resumedAt = Number(resumed, "offset");
        Number(interrupted, "offset").Should().Be(resumedAt, "the next stream starts where the cut left the partial file");
        resumedAt.Should().BeGreaterThan(0).And.BeLessThan(size);
        var result = ResultJson.DeserializePooled(final.PooledResultJson);
        ResultJson.Serialize(result.PerSite["relayed"]).Should().Be(ResultJson.Serialize(result.PerSite["direct"]), "the same bundle on the same data, cut or not");
        var served = await ServedAsync(federation, sha);
        // The first stream may count as complete on the coordinator's side if it had written everything before the cut.
        served.Where(s => s.Node == "relayed" && s.Complete && s.Offset > 0).Should().ContainSingle()
            .Which.Should().Be(new Served("relayed", resumedAt, size - resumedAt, Complete: true), "the resumed stream carries only what was missing");
        served.Where(s => s.Node == "direct").Should().Equal(new Served("direct", 0, size, Complete: true));
        var toRelayed = served.Where(s => s.Node == "relayed").Sum(s => s.Bytes);
        toRelayed.Should().BeLessThan(2 * size, "a resumed download costs well under two bundles");
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Bundle {size} bytes; relay cut after {forwarded} bytes to the node; resumed at byte {resumedAt} ({100.0 * resumedAt / size:0.#} %); coordinator served the relayed node {toRelayed} bytes ({(double)toRelayed / size:0.00} bundles) over {served.Count(s => s.Node == "relayed")} stream(s); {relay.Refused} connection(s) refused while cut."));
    }

    [Test]
    public async Task Download_ProxyTunnelCutMidway_ErrorNamesTheProxyAndTheDownloadResumesFromTheCut()
    {
        // Node -> tinyproxy (real CONNECT tunnel) -> relay -> coordinator: cutting the relay closes the proxy's tunnel
        // mid-download, as a proxy restart or a proxy's own limits would.
        using var cts = new CancellationTokenSource(TestTimeout);
        var work = FederationSupport.NewWorkDirectory("download-proxy-cut");
        var (bundlePath, sha, size) = await PadBundleAsync(work);
        await using var proxy = await Partages.Testing.Network.TinyProxy.StartAsync(Path.Combine(work, "proxy"), new Partages.Testing.Network.TinyProxyOptions(), cts.Token);
        await using var federation = await StartFederationAsync(work, sha, cts.Token);
        await using var relay = new TcpRelay(federation.CoordinatorUrl);
        var dataset = TestAssets.Assets.Hospitals[0].AmrPath;
        var proxied = await federation.AddNodeAsync("proxied", [new NodeDataset("amr-reports", dataset)], new NodeSettings { CoordinatorUrl = relay.Url, ProxyUrl = proxy.Address }, cts.Token);
        using var channel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("faults", "evaluator", cts.Token));
        var evaluator = new EvaluatorClient(channel);
        await evaluator.UploadBundleAsync(bundlePath, cts.Token);

        relay.CutAfterDownstreamBytes(size * 6 / 10);
        var submitted = await evaluator.SubmitAsync(TestAssets.Spec(nodes: ["proxied"], minSites: 1), sha, cancellationToken: cts.Token);
        await relay.Cut.WaitAsync(cts.Token);
        var interrupted = await proxied.Process.WaitForLineAsync(new Regex($@"{Interrupted(sha)} \d+ \(attempt \d+\): (?<reason>.*)"), LineTimeout, cts.Token);
        relay.Restore();
        var final = await evaluator.WatchUntilFinalAsync(submitted.Id, cancellationToken: cts.Token);
        var resumed = await proxied.Process.WaitForLineAsync(Resuming(sha), LineTimeout, cts.Token);

        final.State.Should().Be(EvaluationState.Completed, final.Reason);
        // Either "… through the proxy URL …" (the tunnel closed) or "cannot reach the proxy URL …" (the retry met the cut
        // first): which one depends on where the cut lands; both name the proxy.
        interrupted.Groups["reason"].Value.Should().Contain($"the proxy {proxy.Address.Scheme}://{proxy.Address.Authority}", "hospital IT must know the proxy was on the path");
        var resumedAt = Number(resumed, "offset");
        Number(interrupted, "offset").Should().Be(resumedAt);
        resumedAt.Should().BeGreaterThan(0).And.BeLessThan(size);
        var served = await ServedAsync(federation, sha);
        served.Where(s => s.Node == "proxied" && s.Complete && s.Offset > 0).Should().ContainSingle()
            .Which.Should().Be(new Served("proxied", resumedAt, size - resumedAt, Complete: true), "the resumed stream carries only what was missing");
        proxy.ConnectRequests.Should().OnlyContain(t => t == $"{relay.Url.Host}:{relay.Url.Port}", "every connection, the resumed stream's too, went through the proxy");
    }

    [Test]
    public async Task Download_ByteFlippedInThePartialFileOfANodeKilledMidDownload_OnlyThatChunkIsFetchedAgain()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var work = FederationSupport.NewWorkDirectory("download-partial");
        var (bundlePath, sha, size) = await PadBundleAsync(work);
        await using var federation = await StartFederationAsync(work, sha, cts.Token);
        await using var relay = new TcpRelay(federation.CoordinatorUrl);
        var node = await federation.AddNodeAsync("site", [new NodeDataset("amr-reports", TestAssets.Assets.Hospitals[0].AmrPath)], new NodeSettings { CoordinatorUrl = relay.Url }, cts.Token);
        using var channel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("faults", "evaluator", cts.Token));
        var evaluator = new EvaluatorClient(channel);
        await evaluator.UploadBundleAsync(bundlePath, cts.Token);
        relay.CutAfterDownstreamBytes(size * 6 / 10);
        var submitted = await evaluator.SubmitAsync(TestAssets.Spec(nodes: ["site"]), sha, cancellationToken: cts.Token);
        await relay.Cut.WaitAsync(cts.Token);
        await node.Process.WaitForLineAsync(Interrupted(sha), LineTimeout, cts.Token);

        // The agent dies while it holds part of the bundle; then a byte of what it holds changes on disk.
        await node.Process.DisposeAsync();
        var artifacts = Path.Combine(node.DataDirectory, "artifacts");
        var journal = await File.ReadAllLinesAsync(Path.Combine(artifacts, sha + ".chunks"), cts.Token);
        var held = new FileInfo(Path.Combine(artifacts, sha + ".partial")).Length;
        journal.Should().HaveCountGreaterThan(1, "the cut must leave more than one checked chunk on disk");
        var damaged = long.Parse(journal[1].Split(' ')[0], CultureInfo.InvariantCulture);
        FileDamage.FlipBits(Path.Combine(artifacts, sha + ".partial"), damaged + 4242, 0x20);
        relay.Restore();
        node.Start();
        var final = await evaluator.WatchUntilFinalAsync(submitted.Id, cancellationToken: cts.Token);

        final.State.Should().Be(EvaluationState.Completed, final.Reason);
        final.IncludedSites.Should().Equal("site");
        await node.Process.WaitForLineAsync(DamagedOnDisk(sha, damaged), LineTimeout, cts.Token);
        await node.Process.WaitForLineAsync(Refetched(sha, damaged), LineTimeout, cts.Token);
        var resumed = Number(await node.Process.WaitForLineAsync(Resuming(sha), LineTimeout, cts.Token), "offset");
        resumed.Should().Be(journal.Length * (long)ChunkBytes).And.BeLessThanOrEqualTo(held);
        var served = (await ServedAsync(federation, sha)).Where(s => s.Complete).ToList();
        served.Should().Contain(new Served("site", damaged, ChunkBytes, Complete: true), "the damaged chunk is fetched by its range alone");
        served.Should().Contain(new Served("site", resumed, size - resumed, Complete: true));
    }

    [Test]
    public async Task Evaluation_CachedBundleCorruptedOnDisk_DetectedBeforeUseAndTheDamagedChunkFetchedAgain()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var work = FederationSupport.NewWorkDirectory("download-cache");
        var (bundlePath, sha, size) = await PadBundleAsync(work);
        await using var federation = await StartFederationAsync(work, sha, cts.Token);
        var node = await federation.AddNodeAsync("site", [new NodeDataset("amr-reports", TestAssets.Assets.Hospitals[0].AmrPath)], cts.Token);
        using var channel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("faults", "evaluator", cts.Token));
        var evaluator = new EvaluatorClient(channel);
        await evaluator.UploadBundleAsync(bundlePath, cts.Token);
        var first = await evaluator.WatchUntilFinalAsync((await evaluator.SubmitAsync(TestAssets.Spec(nodes: ["site"]), sha, cancellationToken: cts.Token)).Id, cancellationToken: cts.Token);

        await node.Process.DisposeAsync();
        const long damaged = 5L * ChunkBytes;
        FileDamage.FlipBits(Path.Combine(node.DataDirectory, "artifacts", sha), damaged + 7, 0x20);
        // Forget what was released, or the same request would be answered from the repeat cache without opening the bundle.
        Directory.Delete(Path.Combine(node.DataDirectory, "release", "released"), recursive: true);
        node.Start();
        var second = await evaluator.WatchUntilFinalAsync((await evaluator.SubmitAsync(TestAssets.Spec(nodes: ["site"]), sha, cancellationToken: cts.Token)).Id, cancellationToken: cts.Token);

        first.State.Should().Be(EvaluationState.Completed, first.Reason);
        second.State.Should().Be(EvaluationState.Completed, second.Reason);
        await node.Process.WaitForLineAsync(new Regex($@"The cached copy of artifact {sha} is damaged"), LineTimeout, cts.Token);
        await node.Process.WaitForLineAsync(DamagedOnDisk(sha, damaged), LineTimeout, cts.Token);
        var served = await ServedAsync(federation, sha);
        served.Should().Equal(new Served("site", 0, size, Complete: true), new Served("site", damaged, ChunkBytes, Complete: true));
        var (before, after) = (ResultJson.DeserializePooled(first.PooledResultJson), ResultJson.DeserializePooled(second.PooledResultJson));
        ResultJson.Serialize(after.PerSite["site"]).Should().Be(ResultJson.Serialize(before.PerSite["site"]));
    }

    private static async Task<LocalFederation> StartFederationAsync(string work, string sha, CancellationToken cancellationToken) =>
        await LocalFederation.StartAsync(
            // Exact counts: these tests compare a faulted node's result with an unfaulted one's, byte for byte.
            new FederationOptions { WorkDirectory = work, NodeHeartbeatSeconds = 1, StartTimeout = TimeSpan.FromMinutes(3), DifferentialPrivacy = "off", PinnedBundleSha256 = [sha] },
            cancellationToken);

    private static async Task<(string Path, string Sha256, long Size)> PadBundleAsync(string work)
    {
        var path = Path.Combine(work, "amr-classifier-padded.zip");
        var (sha, size) = await PaddedBundle.WriteAsync(TestAssets.Assets.BundlePath, path, PaddingBytes);
        return (path, sha, size);
    }

    /// <summary>What the coordinator logged of every DownloadArtifact stream of this artifact (events 501 and 502).</summary>
    private static async Task<List<Served>> ServedAsync(LocalFederation federation, string sha)
    {
        var log = await FederationSupport.ReadLogAsync(federation.Coordinator.LogPath);
        return [.. ServedLine().Matches(log).Where(m => m.Groups["sha"].Value == sha).Select(m => new Served(
            m.Groups["node"].Value,
            long.Parse(m.Groups["offset"].Value, CultureInfo.InvariantCulture),
            long.Parse(m.Groups["bytes"].Value, CultureInfo.InvariantCulture),
            Complete: m.Groups["complete"].Success))];
    }

    private static Regex Interrupted(string sha) => new($@"Download of artifact {sha} interrupted at byte (?<offset>\d+) of");

    private static Regex Resuming(string sha) => new($@"Resuming the download of artifact {sha} from byte (?<offset>\d+) of");

    private static Regex DamagedOnDisk(string sha, long offset) => new($@"Artifact {sha}: the chunk at offset {offset} \(\d+ bytes\) no longer matches its sha256 on disk");

    private static Regex Refetched(string sha, long offset) => new($@"Artifact {sha}: the chunk at offset {offset} \(\d+ bytes\) fetched again");

    private static long Number(Match match, string group) => long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Artifact (?<sha>[0-9a-f]{64}) (?:(?<complete>sent) to node (?<node>\S+) from offset (?<offset>\d+) \((?<bytes>\d+) bytes\)|stream to node (?<node>\S+) from offset (?<offset>\d+) stopped early \((?<bytes>\d+) bytes sent)")]
    private static partial Regex ServedLine();

    /// <summary>One DownloadArtifact stream as the coordinator logged it: to whom, from where, how many bytes, whether it ran to its end.</summary>
    private sealed record Served(string Node, long Offset, long Bytes, bool Complete);
}
