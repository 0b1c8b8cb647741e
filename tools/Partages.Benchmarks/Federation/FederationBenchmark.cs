using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Partages.Client;
using Partages.Contracts.V1;
using Partages.Coordinator.Admin;
using EvaluationView = Partages.Contracts.V1.Evaluation;
using Partages.Demo.Federation;
using Partages.Evaluation;
using Partages.Evaluation.Results;

namespace Partages.Benchmarks.Federation;

/// <summary>
/// One coordinator process, many simulated nodes in this process. Setup (not timed as a figure of interest, but
/// reported): enrollment tokens with the admin command, each node's enrollment and session. Then the scheduling rounds
/// and the artifact phase, each checked before any figure is kept.
/// </summary>
internal sealed class FederationBenchmark(FederationSettings settings, TextWriter progress)
{
    private const string EvaluatorName = "benchmark";

    /// <summary>The second watcher's HTTP/2 receive window per call (.NET's default: 64 KiB, grown by its own estimate).</summary>
    internal const int WideWindowBytes = 8 * 1024 * 1024;

    private EvaluationService.EvaluationServiceClient? _wideWatcher;

    public async Task<FederationReport> RunAsync(CancellationToken cancellationToken)
    {
        var workDirectory = settings.WorkDirectory is { } given
            ? Directory.CreateDirectory(Path.GetFullPath(given)).FullName
            : Directory.CreateTempSubdirectory("partages-federation-").FullName;
        progress.WriteLine($"Work directory: {workDirectory}");
        var total = Stopwatch.StartNew();
        await using var scale = await ScaleOut.PrepareAsync(settings, progress, cancellationToken).ConfigureAwait(false);
        await using var federation = await LocalFederation.StartAsync(
            new FederationOptions
            {
                WorkDirectory = workDirectory,
                CoordinatorEnvironment = scale.Environment,
                // The coordinator's start and the admin commands get the step timeout: on a machine at load 100+ they
                // outlast the default 60 s (issue 14's 200-node runs failed there, before any figure).
                StartTimeout = settings.StepTimeout,
                // Rounds close as soon as every member has sent; this is only how long a missing member is waited for.
                CoordinatorArguments = settings.SecureAggregation ? [$"--SecureAggregation:RoundSeconds={settings.SecureRoundSeconds}"] : [],
            },
            cancellationToken).ConfigureAwait(false);
        var meter = new ProcessMeter(federation.Coordinator.Id);
        progress.WriteLine($"Coordinator pid {meter.Pid} at {federation.CoordinatorUrl}");
        await scale.StartReplicasAsync(federation, progress, cancellationToken).ConfigureAwait(false);

        var setup = PhaseUsage.Start(meter);
        var apiToken = await federation.CreateApiTokenAsync(EvaluatorName, "evaluator", cancellationToken).ConfigureAwait(false);
        var names = Enumerable.Range(1, settings.Nodes).Select(i => $"bench-node-{i:D4}").ToList();
        var tokenClock = Stopwatch.StartNew();
        var tokens = await CreateEnrollmentTokensAsync(federation, names, cancellationToken).ConfigureAwait(false);
        var tokensElapsed = tokenClock.Elapsed;

        using var ca = await CoordinatorTrust.FetchPinnedCaAsync(federation.CoordinatorUrl, tokens.Values.First().CaSha256, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        var nodes = new List<SimulatedNode>(settings.Nodes);
        try
        {
            var enrollClock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(
                names,
                new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                async (name, ct) =>
                {
                    var node = await SimulatedNode.EnrollAsync(federation.CoordinatorUrl, name, SyntheticResults.Dataset, tokens[name].Token, ca, ct).ConfigureAwait(false);
                    lock (nodes)
                    {
                        nodes.Add(node);
                    }
                }).ConfigureAwait(false);
            var enrollElapsed = enrollClock.Elapsed;
            nodes.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            for (var i = 0; i < nodes.Count; i++)
            {
                // Enrolled through replica 0; each holds its session on its own replica (node i on replica i mod N).
                if (scale.UrlFor(i) is var url && url != nodes[i].Coordinator)
                {
                    var enrolled = nodes[i];
                    nodes[i] = enrolled.Reopen(url);
                    await enrolled.DisposeAsync().ConfigureAwait(false);
                }
            }

            var connectClock = Stopwatch.StartNew();
            // At most 64 TLS handshakes at once: on a loaded 2-core machine, 1,000 at once outlast Kestrel's 10 s
            // handshake timeout (issue 18); nodes never all start in the same instant anyway.
            await WithinAsync(
                Parallel.ForEachAsync(
                    nodes,
                    new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken },
                    async (n, ct) => await n.ConnectAsync(settings.StepTimeout, ct).ConfigureAwait(false)),
                "every node's session to be welcomed",
                cancellationToken).ConfigureAwait(false);
            var connectElapsed = connectClock.Elapsed;

            using var channel = federation.CreateEvaluatorChannel(apiToken);
            var evaluator = new EvaluatorClient(channel);
            using var wideChannel = federation.CreateEvaluatorChannel(apiToken, initialStreamWindowBytes: WideWindowBytes);
            _wideWatcher = new EvaluationService.EvaluationServiceClient(wideChannel);
            var online = (await evaluator.ListNodesAsync(cancellationToken).ConfigureAwait(false)).Count(n => n.Online);
            // With replicas, a replica lists online only the sessions it holds (until the online flag is shared).
            if (online != settings.Nodes && (settings.Replicas == 1 || online == 0))
            {
                throw new BenchmarkFailedException($"The coordinator lists {online} node(s) online; {settings.Nodes} connected.");
            }

            var setupUsage = setup();
            progress.WriteLine($"Setup: {settings.Nodes} nodes enrolled and connected in {setupUsage.Wall.TotalSeconds:0.0} s.");
            var report = new FederationReport
            {
                Settings = settings,
                CoordinatorPid = meter.Pid,
                Setup = new SetupFigures(tokensElapsed, enrollElapsed, connectElapsed, setupUsage),
            };

            if (settings.SecureAggregation)
            {
                var bundle = await UploadRandomArtifactAsync(evaluator, Path.Combine(workDirectory, "round-bundle.bin"), 64 * 1024, cancellationToken).ConfigureAwait(false);
                report.SecureAggregation = await new SecureAggregationPhase(settings, progress, this, meter).RunAsync(evaluator, nodes, bundle, cancellationToken).ConfigureAwait(false);
            }
            else if (settings.Rounds > 0)
            {
                var bundle = await UploadRandomArtifactAsync(evaluator, Path.Combine(workDirectory, "round-bundle.bin"), 64 * 1024, cancellationToken).ConfigureAwait(false);
                // Round 0 warms up both processes (JIT, connection windows, SQLite pages); it is checked and printed, not in the medians.
                report.WarmUp = await RunRoundAsync(0, evaluator, nodes, bundle, meter, cancellationToken).ConfigureAwait(false);
                progress.WriteLine("Warm-up round checked.");
                for (var round = 1; round <= settings.Rounds; round++)
                {
                    var result = await RunRoundAsync(round, evaluator, nodes, bundle, meter, cancellationToken).ConfigureAwait(false);
                    report.Rounds.Add(result);
                    progress.WriteLine($"Round {round}/{settings.Rounds} checked.");
                }

                if (settings.KillReplica)
                {
                    report.Failover = await scale.KillOneAsync(nodes, evaluator, meter, cancellationToken).ConfigureAwait(false);
                    progress.WriteLine($"Failover: {report.Failover.MovedNodes} nodes moved to the surviving replicas.");
                    report.AfterFailover = await RunRoundAsync(settings.Rounds + 1, evaluator, nodes, bundle, meter, cancellationToken).ConfigureAwait(false);
                    progress.WriteLine("Round after the failover checked.");
                }
            }

            if (settings.BundleMegabytes > 0)
            {
                report.Artifacts = await RunArtifactPhaseAsync(evaluator, nodes.Take(settings.Downloaders).ToList(), meter, workDirectory, cancellationToken).ConfigureAwait(false);
            }

            report.CoordinatorTotal = meter.Read();
            report.ReplicaTotals = scale.Read();
            if (settings.Stop)
            {
                // Last: the coordinator process is gone afterwards.
                report.Stop = await new StopPhase(settings, (t, what, ct) => WithinAsync(t, what, ct)).RunAsync(federation, evaluator, nodes, workDirectory, cancellationToken).ConfigureAwait(false);
            }

            report.TotalWall = total.Elapsed;
            return report;
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    internal async Task<RoundFigures> RunRoundAsync(
        int round, EvaluatorClient evaluator, IReadOnlyList<SimulatedNode> nodes, ArtifactRef bundle, ProcessMeter meter, CancellationToken cancellationToken)
    {
        var usage = PhaseUsage.Start(meter);
        var wireBefore = nodes.Select(n => n.Wire.Read()).ToList();
        var submitted = Stopwatch.GetTimestamp();
        // An evaluation names at most NodeNames.MaxTargets nodes; one naming none targets every enrolled node, which
        // here (a fresh data dir) are exactly the benchmark's nodes.
        var targets = nodes.Count > NodeNames.MaxTargets ? [] : nodes.Select(n => n.Name);
        var evaluation = await evaluator.SubmitAsync(SyntheticResults.SpecYaml(nodes.Count), bundle.Sha256, targets, cancellationToken: cancellationToken).ConfigureAwait(false);
        var submitReturned = Stopwatch.GetTimestamp();

        var offers = await WithinAsync(
            Task.WhenAll(nodes.Select(n => OfferForAsync(n, evaluation.Id, cancellationToken))),
            $"round {round}: an offer of {evaluation.Id} at every node",
            cancellationToken).ConfigureAwait(false);
        var lastOffer = offers.Max(o => o.ReceivedAt);

        var burst = nodes.Count - 1;
        await using var watch = EvaluationWatch.Start(evaluator.Raw, evaluation.Id, quietAfterSucceeded: burst);
        // A second watcher, alike but for its HTTP/2 receive window: the final message carries the pooled document
        // (about 5 KB per site), so the time it takes may be the client's flow control, not the coordinator.
        await using var wide = _wideWatcher is null ? null : EvaluationWatch.Start(_wideWatcher, evaluation.Id, quietAfterSucceeded: burst);
        await WithinAsync(watch.FirstSnapshot, $"round {round}: the first WatchEvaluation snapshot", cancellationToken).ConfigureAwait(false);
        if (wide is not null)
        {
            await WithinAsync(wide.FirstSnapshot, $"round {round}: the second watcher's first snapshot", cancellationToken).ConfigureAwait(false);
        }

        var results = nodes.Select((_, i) => SyntheticResults.For(i, round)).ToList();
        var acceptStarted = Stopwatch.GetTimestamp();
        await Task.WhenAll(nodes.Select((n, i) => n.AcceptAndRunAsync(offers[i].Offer, results[i].Documents))).ConfigureAwait(false);
        var allRunning = await WithinAsync(watch.AllRunning, $"round {round}: every run reported running", cancellationToken).ConfigureAwait(false);

        // Every node but one submits at once (the burst); once the watcher has seen them all stored, so that nothing is in
        // flight, the last node submits alone: its acknowledgement comes after the coordinator stored it, pooled every
        // site and committed the evaluation as final, and the watcher then sees the final snapshot.
        var resultsStarted = Stopwatch.GetTimestamp();
        var acknowledged = await WithinAsync(
            Task.WhenAll(nodes.Take(burst).Select((n, i) => n.SubmitResultAsync(offers[i].Offer.RunId, results[i].Json, cancellationToken))),
            $"round {round}: {burst} results acknowledged",
            cancellationToken).ConfigureAwait(false);
        var burstAcknowledged = acknowledged.Length == 0 ? resultsStarted : acknowledged.Max();
        await WithinAsync(watch.Quiet, $"round {round}: the watcher to see {burst} results stored", cancellationToken).ConfigureAwait(false);
        var cpuAtLast = meter.Read().CpuSeconds;
        var lastSent = Stopwatch.GetTimestamp();
        var lastAck = await nodes[burst].SubmitResultAsync(offers[burst].Offer.RunId, results[burst].Json, cancellationToken).ConfigureAwait(false);
        var (final, finalSeen) = await WithinAsync(watch.Final, $"round {round}: the evaluation final with a pooled result", cancellationToken).ConfigureAwait(false);
        TimeSpan? wideSeen = wide is null
            ? null
            : Stopwatch.GetElapsedTime(lastSent, (await WithinAsync(wide.Final, $"round {round}: the second watcher's final", cancellationToken).ConfigureAwait(false)).SeenAt);
        // The coordinator's CPU from the last result to the final snapshot (read just after it arrived): on a loaded
        // machine the wall time of that step says more about the load than about the coordinator.
        var finalCpu = meter.Read().CpuSeconds - cpuAtLast;
        var phase = usage();
        var wire = nodes.Select((n, i) => n.Wire.Read() - wireBefore[i]).ToList();

        Check(final, nodes, results.Sum(r => r.Documents), round);
        return new RoundFigures(
            round,
            evaluation.Id,
            Stopwatch.GetElapsedTime(submitted, submitReturned),
            Stopwatch.GetElapsedTime(submitted, offers.Min(o => o.ReceivedAt)),
            Stopwatch.GetElapsedTime(submitted, lastOffer),
            Stopwatch.GetElapsedTime(acceptStarted, allRunning),
            Stopwatch.GetElapsedTime(resultsStarted, burstAcknowledged),
            Stopwatch.GetElapsedTime(lastSent, lastAck),
            Stopwatch.GetElapsedTime(lastSent, finalSeen),
            watch.Snapshots,
            phase,
            Stopwatch.GetElapsedTime(submitted, finalSeen),
            wire,
            final.PooledResultJson) { LastResultToFinalCpuSeconds = finalCpu, LastResultToFinalSeenWideWindow = wideSeen };
    }

    /// <summary>Refuses a round whose outcome is not exactly what the nodes sent: every site in, the pooled counts their sum.</summary>
    private static void Check(EvaluationView final, IReadOnlyList<SimulatedNode> nodes, long documents, int round)
    {
        if (final.State != EvaluationState.Completed)
        {
            throw new BenchmarkFailedException($"Round {round}: evaluation {final.Id} ended {final.State}: {final.Reason}");
        }

        if (final.IncludedSites.Count != nodes.Count || final.Runs.Any(r => r.State != RunState.Succeeded))
        {
            throw new BenchmarkFailedException($"Round {round}: {final.IncludedSites.Count} of {nodes.Count} sites included in {final.Id}.");
        }

        var pooled = ResultJson.DeserializePooled(final.PooledResultJson);
        if (pooled.Pooled is null || pooled.Pooled.NDocuments != documents || pooled.PerSite.Count != nodes.Count)
        {
            throw new BenchmarkFailedException(
                $"Round {round}: the pooled result counts {pooled.Pooled?.NDocuments} documents over {pooled.PerSite.Count} sites; the nodes sent {documents} over {nodes.Count}.");
        }

        if (nodes.FirstOrDefault(n => n.Broken.IsCompleted) is { } broken)
        {
            throw new BenchmarkFailedException($"Round {round}: the session of {broken.Name} broke: {broken.Broken.Result.Message}");
        }

        var cancels = nodes.Sum(n => n.UnexpectedCancels);
        if (cancels > 0)
        {
            throw new BenchmarkFailedException($"Round {round}: the nodes received {cancels} CancelJob message(s); none was expected.");
        }
    }

    internal static async Task<ReceivedOffer> OfferForAsync(SimulatedNode node, string evaluationId, CancellationToken cancellationToken)
    {
        var offer = await node.NextOfferAsync(cancellationToken).ConfigureAwait(false);
        return offer.Offer.EvaluationId == evaluationId && offer.Offer.Dataset == SyntheticResults.Dataset
            ? offer
            : throw new BenchmarkFailedException($"Node {node.Name} received an offer for {offer.Offer.EvaluationId} (dataset {offer.Offer.Dataset}); expected {evaluationId}.");
    }

    private async Task<ArtifactFigures> RunArtifactPhaseAsync(
        EvaluatorClient evaluator, IReadOnlyList<SimulatedNode> downloaders, ProcessMeter meter, string workDirectory, CancellationToken cancellationToken)
    {
        var size = (long)settings.BundleMegabytes * 1024 * 1024;
        var path = Path.Combine(workDirectory, $"bundle-{settings.BundleMegabytes}mb.bin");
        var upload = PhaseUsage.Start(meter);
        var artifact = await UploadRandomArtifactAsync(evaluator, path, size, cancellationToken).ConfigureAwait(false);
        var uploadUsage = upload();
        progress.WriteLine($"Artifact of {settings.BundleMegabytes} MiB uploaded ({artifact.Sha256[..12]}…).");
        File.Delete(path);

        // A node downloads only the bundle of a job offered to it: the downloaders are offered an evaluation of it first.
        var evaluation = await evaluator.SubmitAsync(SyntheticResults.SpecYaml(downloaders.Count), artifact.Sha256, downloaders.Select(n => n.Name), cancellationToken: cancellationToken).ConfigureAwait(false);
        var offers = await WithinAsync(
            Task.WhenAll(downloaders.Select(n => OfferForAsync(n, evaluation.Id, cancellationToken))),
            "artifact: an offer at every downloader",
            cancellationToken).ConfigureAwait(false);
        var figures = new ArtifactFigures { SizeBytes = artifact.SizeBytes, Downloaders = downloaders.Count, Upload = uploadUsage };
        for (var round = 1; round <= settings.DownloadRounds; round++)
        {
            var usage = PhaseUsage.Start(meter);
            var outcomes = await WithinAsync(
                Task.WhenAll(downloaders.Select(n => n.DownloadAsync(artifact, cancellationToken))),
                $"download round {round}: {downloaders.Count} verified downloads",
                cancellationToken).ConfigureAwait(false);
            figures.Rounds.Add(new DownloadRoundFigures(round, outcomes, usage()));
            progress.WriteLine($"Download round {round}/{settings.DownloadRounds} checked ({downloaders.Count} × SHA-256 verified).");
        }

        // Rejected, not left open: the offers would otherwise hold the downloaders busy for the phases after this one.
        await Task.WhenAll(offers.Select((offer, i) => downloaders[i].RejectAsync(offer.Offer.RunId, "benchmark: only the download is measured"))).ConfigureAwait(false);
        return figures;
    }

    /// <summary>
    /// Writes a synthetic model bundle of about <paramref name="size"/> bytes to <paramref name="path"/> and pushes it: a
    /// zip with a manifest and random bytes stored (not deflated) as the model, since the coordinator refuses uploads
    /// that are not bundles. Returns what the coordinator stored, checked against the file's size and SHA-256.
    /// </summary>
    internal static async Task<ArtifactRef> UploadRandomArtifactAsync(EvaluatorClient evaluator, string path, long size, CancellationToken cancellationToken)
    {
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1024 * 1024, useAsync: true))
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Create);
            using (var manifest = zip.CreateEntry("manifest.json", CompressionLevel.NoCompression).Open())
            {
                manifest.Write(Encoding.UTF8.GetBytes(SyntheticManifest));
            }

            using var model = zip.CreateEntry("model.onnx", CompressionLevel.NoCompression).Open();
            var block = new byte[1024 * 1024];
            for (long written = 0; written < size; written += block.Length)
            {
                var length = (int)Math.Min(block.Length, size - written);
                RandomNumberGenerator.Fill(block.AsSpan(0, length));
                await model.WriteAsync(block.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }
        }

        var sha = await ContentHash.OfFileAsync(path, cancellationToken).ConfigureAwait(false);
        var bytes = new FileInfo(path).Length;
        var artifact = await evaluator.UploadBundleAsync(path, cancellationToken).ConfigureAwait(false);
        return artifact.Sha256 == sha && artifact.SizeBytes == bytes
            ? artifact
            : throw new BenchmarkFailedException($"The coordinator stored the upload as {artifact.Sha256} ({artifact.SizeBytes} bytes); sent {sha} ({bytes} bytes).");
    }

    private const string SyntheticManifest =
        "{\"name\":\"benchmark\",\"task\":\"single_label_classification\",\"labels\":[\"a\",\"b\"],\"tokenizer\":{\"kind\":\"bert_wordpiece\",\"vocab\":\"vocab.txt\"}}";

    /// <summary>
    /// One enrollment token per node, issued on the running coordinator's data dir by the admin command's own operation
    /// (in-process: the command is the same code behind a process start that costs seconds of CPU each on this machine).
    /// </summary>
    private static async Task<Dictionary<string, (string Token, string CaSha256)>> CreateEnrollmentTokensAsync(LocalFederation federation, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var tokens = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var issued = await AdminOperations.CreateEnrollmentTokenAsync(
                federation.CoordinatorDataDirectory, name, TimeSpan.FromHours(1), TimeProvider.System, cancellationToken).ConfigureAwait(false);
            tokens[name] = (issued.Token, issued.CaSha256);
        }

        return tokens;
    }

    /// <summary>Awaits <paramref name="task"/> within the step timeout; a timeout is a failed run, named by <paramref name="what"/>.</summary>
    internal async Task WithinAsync(Task task, string what, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(settings.StepTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new BenchmarkFailedException($"Timed out after {settings.StepTimeout.TotalSeconds:0} s waiting for {what}.");
        }
    }

    internal async Task<T> WithinAsync<T>(Task<T> task, string what, CancellationToken cancellationToken)
    {
        await WithinAsync((Task)task, what, cancellationToken).ConfigureAwait(false);
        return await task.ConfigureAwait(false);
    }
}

internal sealed record SetupFigures(TimeSpan EnrollmentTokens, TimeSpan Enrollments, TimeSpan Sessions, PhaseUsage Usage);

internal sealed record RoundFigures(
    int Round,
    string EvaluationId,
    TimeSpan SubmitCall,
    TimeSpan SubmitToFirstOffer,
    TimeSpan SubmitToAllOffers,
    TimeSpan AcceptToAllRunning,
    TimeSpan BurstToLastAck,
    TimeSpan LastResultToAck,
    TimeSpan LastResultToFinalSeen,
    int Snapshots,
    PhaseUsage Usage,
    TimeSpan SubmitToFinalSeen,
    IReadOnlyList<ByteCount> NodeWire,
    string PooledResultJson)
{
    /// <summary>Coordinator CPU seconds from the last result sent to the final snapshot seen.</summary>
    public double LastResultToFinalCpuSeconds { get; init; }

    /// <summary>The same as <see cref="LastResultToFinalSeen"/> for the watcher with a <see cref="FederationBenchmark.WideWindowBytes"/> receive window.</summary>
    public TimeSpan? LastResultToFinalSeenWideWindow { get; init; }
}

internal sealed record DownloadRoundFigures(int Round, IReadOnlyList<DownloadOutcome> Downloads, PhaseUsage Usage);

internal sealed class ArtifactFigures
{
    public long SizeBytes { get; init; }

    public int Downloaders { get; init; }

    public required PhaseUsage Upload { get; init; }

    public List<DownloadRoundFigures> Rounds { get; } = [];
}
