using System.CommandLine;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Partages.NodeAgent.Connectivity;
using Partages.NodeAgent.Audit;
using Partages.NodeAgent.Enrollment;
using Partages.NodeAgent.Hosting;
using Partages.NodeAgent.Policy;
using Partages.NodeAgent.ReleaseGate;
using Partages.Trust;
using Partages.Trust.Network;

namespace Partages.NodeAgent.Cli;

/// <summary>
/// <c>check --config FILE</c>: everything <c>run</c> needs, checked without side effects, each problem printed with
/// what to do. Exit code 0 when all pass, 1 otherwise.
/// </summary>
internal static class CheckCommand
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(15);

    /// <param name="timeProvider">This machine's clock, compared with the coordinator's (tests pass their own).</param>
    public static Command Create(TimeProvider? timeProvider = null) => CommonOptions.ConfigCommand(
        "check",
        "Checks the configuration, the identity files, the datasets and the connection to the coordinator; prints what to fix.",
        (configFile, parseResult, cancellationToken) => RunAsync(configFile, parseResult.InvocationConfiguration.Output, timeProvider ?? TimeProvider.System, cancellationToken));

    private static async Task<int> RunAsync(FileInfo configFile, TextWriter output, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var report = new CheckReport(output);
        var config = CommonOptions.LoadOrReport(configFile, output);
        if (config is null)
        {
            report.Fail("configuration", $"fix the errors above ({ExampleFiles.NodeConfig} documents every field)");
            return report.Finish();
        }

        report.Pass("configuration", $"{config.SourcePath} is valid (node '{config.Name}', {config.Datasets.Count} dataset(s))");
        CheckDataDirectory(config, report);
        CheckDatasets(config, report);
        await CheckPolicyAsync(config, report, cancellationToken).ConfigureAwait(false);

        using (var identity = CheckIdentity(config, report))
        {
            if (identity is null)
            {
                report.Skip("coordinator", "not probed without a usable identity");
            }
            else
            {
                await ProbeCoordinatorAsync(config, identity, report, timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }

        // After the coordinator probe: the log is compared with the coordinator's anchor when it answers.
        await CheckAuditLogAsync(config, report, cancellationToken).ConfigureAwait(false);
        return report.Finish();
    }

    /// <summary>Writable, or creatable: checked with a probe file in the folder or its nearest existing parent.</summary>
    private static void CheckDataDirectory(NodeConfig config, CheckReport report)
    {
        var existing = new DirectoryInfo(config.DataDirectory);
        while (existing is not null && !existing.Exists)
        {
            existing = existing.Parent;
        }

        if (existing is null)
        {
            report.Fail("data directory", $"{config.DataDirectory} has no existing parent folder; fix data_directory");
            return;
        }

        try
        {
            var probe = Path.Combine(existing.FullName, $".partages-check-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            report.Pass(
                "data directory",
                existing.FullName == Path.GetFullPath(config.DataDirectory)
                    ? $"{config.DataDirectory} is writable"
                    : $"{config.DataDirectory} does not exist yet and can be created in {existing.FullName}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            report.Fail("data directory", $"{existing.FullName} is not writable ({ex.Message}); give the agent's account write access to it");
        }
    }

    private static void CheckDatasets(NodeConfig config, CheckReport report)
    {
        foreach (var dataset in config.Datasets)
        {
            try
            {
                if (Directory.Exists(dataset.Path))
                {
                    var files = Directory.EnumerateFiles(dataset.Path).Count();
                    report.Pass($"dataset '{dataset.Name}'", $"{dataset.Path} is a readable folder ({files} file(s))");
                    continue;
                }

                using var stream = File.OpenRead(dataset.Path);
                _ = stream.ReadByte();
                report.Pass($"dataset '{dataset.Name}'", $"{dataset.Path} is readable ({new FileInfo(dataset.Path).Length} bytes)");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                report.Fail($"dataset '{dataset.Name}'", $"cannot read {dataset.Path} ({ex.Message}); fix datasets[].path or the file's permissions");
            }
        }
    }

    /// <summary>The policy is valid, each exposed snapshot still has the approved fingerprint (the current one is printed to paste).</summary>
    private static async Task CheckPolicyAsync(NodeConfig config, CheckReport report, CancellationToken cancellationToken)
    {
        var result = PolicyLoader.LoadFor(config);
        if (!result.IsValid || result.Policy is null)
        {
            foreach (var error in result.Errors)
            {
                report.Fail("policy", error.ToString());
            }

            report.Fail("policy", $"fix the policy ({ExampleFiles.Policy} documents every field); 'run' refuses to start without a valid one");
            await PrintFingerprintsAsync(config, null, report, cancellationToken).ConfigureAwait(false);
            return;
        }

        var policy = result.Policy;
        report.Pass("policy", $"{policy.SourcePath} is valid (sha256 {policy.SourceSha256}; approval {policy.Approval.ToString().ToLowerInvariant()}; tasks: {(policy.Tasks.Count == 0 ? "none" : string.Join(", ", policy.Tasks))}; at least {policy.Release.MinDatasetDocuments} documents)");
        if (policy.Models.TrustedSigners.Count == 0 && policy.Models.PinnedBundles.Count == 0)
        {
            report.Warn("policy", "models: no trusted signer and no pinned bundle, so every model will be refused; add the evaluator's public key under models.trusted_signers");
        }
        else
        {
            foreach (var signer in policy.Models.TrustedSigners)
            {
                report.Pass($"signer '{signer.Name}'", $"ECDSA P-256 public key, key id {BundleSigners.KeyIdOf(signer.PublicKeyPem)}");
            }
        }

        if (policy.Tasks.Count == 0)
        {
            report.Warn("policy", "tasks lists no task type: every job will be refused");
        }

        foreach (var dataset in config.Datasets.Where(d => policy.FindDataset(d.Name) is null))
        {
            report.Warn($"dataset '{dataset.Name}'", "is in node.yaml but not in the policy: no evaluation can use it");
        }

        PrintPrivacy(config, policy, report);
        await PrintFingerprintsAsync(config, policy, report, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Each dataset's differential privacy and what it has spent; privacy switched off is a warning.</summary>
    private static void PrintPrivacy(NodeConfig config, NodePolicy policy, CheckReport report)
    {
        var accountant = new PrivacyAccountant(NodeAgentServices.ReleaseDirectory(config), TimeProvider.System);
        foreach (var dataset in policy.Datasets)
        {
            var privacy = dataset.DifferentialPrivacy;
            DatasetSpending spent;
            try
            {
                spent = accountant.Spent(dataset.Name);
            }
            catch (EvaluationRefusedException ex)
            {
                report.Fail($"privacy '{dataset.Name}'", ex.Message);
                continue;
            }

            var runs = string.Create(CultureInfo.InvariantCulture, $"model runs {spent.ModelRuns} of {dataset.MaxModelRuns} (max_model_runs)");
            if (!privacy.Enabled)
            {
                report.Warn($"privacy '{dataset.Name}'", $"differential_privacy: off — results on this dataset are released as exact counts, and nothing bounds what a series of models can learn about one report but the query allowance; {runs}");
                continue;
            }

            var line = string.Create(
                CultureInfo.InvariantCulture,
                $"differential privacy on: ε {privacy.EpsilonPerRelease:0.###} per release, lifetime budget ε {privacy.EpsilonBudget:0.###} at δ {privacy.Delta:0.#######} (never renews); spent ε {spent.EpsilonAt(privacy.Delta):0.###} over {spent.Releases} release(s); {runs}");
            if (PrivacyAccountant.RefusalOf(dataset.Name, spent.Rho, privacy.RhoPerRelease, privacy.EpsilonBudget, privacy.Delta) is not null || spent.ModelRuns >= dataset.MaxModelRuns)
            {
                report.Warn($"privacy '{dataset.Name}'", line + " — spent: every new job on it will be refused until the hospital raises the budget");
            }
            else
            {
                report.Pass($"privacy '{dataset.Name}'", line);
            }
        }
    }

    private static async Task PrintFingerprintsAsync(NodeConfig config, NodePolicy? policy, CheckReport report, CancellationToken cancellationToken)
    {
        var engine = new EvaluationEngine();
        foreach (var dataset in config.Datasets)
        {
            var exposed = policy?.FindDataset(dataset.Name);
            if (policy is not null && exposed is null)
            {
                continue;
            }

            DatasetInfo info;
            try
            {
                info = await engine.InspectAsync(dataset, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or EvaluationRefusedException)
            {
                // The dataset check above has already failed on the file: one problem, reported once.
                report.Skip($"snapshot '{dataset.Name}'", $"not fingerprinted ({ex.Message})");
                continue;
            }

            if (exposed is null)
            {
                report.Skip($"snapshot '{dataset.Name}'", $"current fingerprint {info.Fingerprint} ({info.DocumentCount} documents): paste it as snapshot_sha256 once the policy loads");
            }
            else if (exposed.SnapshotSha256 == info.Fingerprint)
            {
                report.Pass($"snapshot '{dataset.Name}'", $"matches the policy ({info.Fingerprint}, {info.DocumentCount} documents)");
                if (info.DocumentCount < policy!.Release.MinDatasetDocuments)
                {
                    report.Warn($"snapshot '{dataset.Name}'", $"{info.DocumentCount} documents, fewer than release.min_dataset_documents ({policy.Release.MinDatasetDocuments}): every job on it will be refused");
                }
            }
            else
            {
                report.Fail($"snapshot '{dataset.Name}'", $"the file changed since the policy approved it: its fingerprint is now {info.Fingerprint} ({info.DocumentCount} documents), the policy says {exposed.SnapshotSha256}. Jobs on it are refused until someone reviews the new data and sets snapshot_sha256: {info.Fingerprint}");
            }
        }
    }

    /// <summary>
    /// The audit log's chain is intact (no line changed, removed or reordered), its checkpoints verify, and it reaches
    /// the coordinator's anchor (or the last one saved): what <c>audit verify</c> checks, with the same findings.
    /// </summary>
    private static async Task CheckAuditLogAsync(NodeConfig config, CheckReport report, CancellationToken cancellationToken)
    {
        var path = AuditLog.PathFor(config);
        var (verdict, notes) = await AuditCommand.VerifyAsync(config, offline: false, ProbeTimeout, cancellationToken).ConfigureAwait(false);
        var context = string.Join("; ", notes.Concat(verdict.Notes));
        var chain = verdict.Chain;
        switch (verdict.Finding)
        {
            case AuditFinding.Intact:
                report.Pass("audit log", (chain.LinesVerified == 0 ? $"{path}: no entry yet" : $"{path}: {chain.LinesVerified} line(s), chain intact, {verdict.CheckpointsVerified} signed checkpoint(s) (last hash {chain.LastHash})") + $"; {context}");
                break;
            case AuditFinding.Broken:
                report.Fail("audit log", $"{path}: {verdict.Problems[0]}; keep the file as evidence, find out who changed it, and start a new log (move this one aside) so new lines chain again");
                break;
            default:
                report.Fail("audit log", $"{path}: {verdict.Finding.ToString().ToLowerInvariant()}: {string.Join("; ", verdict.Problems)}; keep the file (and audit/anchor.json) as evidence and find out who changed it ('audit verify' exits {(verdict.Finding == AuditFinding.Truncated ? ExitCodes.AuditTruncated : ExitCodes.AuditRewritten)})");
                break;
        }
    }

    private static NodeIdentity? CheckIdentity(NodeConfig config, CheckReport report)
    {
        var files = IdentityFiles.For(config);
        NodeIdentity identity;
        try
        {
            identity = NodeIdentity.Load(files);
        }
        catch (IdentityException ex)
        {
            report.Fail("identity", ex.Message);
            return null;
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(files.KeyPath);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                report.Fail("identity", $"{files.KeyPath} is readable by other accounts; run: chmod 600 {files.KeyPath}");
            }
        }

        var problems = identity.Verify(DateTimeOffset.UtcNow);
        foreach (var problem in problems)
        {
            report.Fail("identity", problem);
        }

        if (problems.Count > 0)
        {
            identity.Dispose();
            return null;
        }

        var daysLeft = (identity.ClientCertificate.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalDays;
        report.Pass("identity", $"certificate '{identity.ClientCertificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false)}' chains to the saved CA (sha256 {CaPin.Of(identity.CaCertificate)}), valid for {daysLeft:0} more day(s)");
        if (daysLeft < 30)
        {
            report.Warn("identity", "the certificate expires within 30 days; enroll the node again with a new token before then");
        }

        return identity;
    }

    /// <summary>
    /// Probes every address of <c>coordinator.url</c>, each on its own (a replica or an old address that no longer
    /// answers is found before the day the first one fails), then compares the clocks with the first that answered.
    /// </summary>
    private static async Task ProbeCoordinatorAsync(NodeConfig config, NodeIdentity identity, CheckReport report, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ServerClock? clock = null;
        foreach (var address in config.CoordinatorUrls)
        {
            var single = config with { CoordinatorUrl = address, CoordinatorUrls = [address] };
            var answered = await ProbeAddressAsync(single, identity, report, timeProvider, config.CoordinatorUrls.Count > 1 ? $"coordinator {address}" : "coordinator", cancellationToken).ConfigureAwait(false);
            clock ??= answered;
        }

        // Any answer carries the coordinator's Date: compare the clocks even when the call itself failed.
        if (clock?.Offset is { } offset)
        {
            if (ServerClock.Describe(offset, ServerClock.DefaultTolerance, config.CoordinatorUrl.ToString()) is { } skew)
            {
                report.Fail("clock", skew);
            }
            else
            {
                report.Pass("clock", $"within {ServerClock.DefaultTolerance.TotalMinutes:0} min of the coordinator's");
            }
        }
    }

    /// <summary>
    /// Asks for an artifact that cannot exist: an enrolled node gets PERMISSION_DENIED (no job offered to it uses that
    /// artifact; older coordinators answer NOT_FOUND), which means TLS, the saved CA and the node's certificate all work;
    /// a refused or revoked certificate gets UNAUTHENTICATED. Nothing changes on the coordinator. Returns the clock seen
    /// in the answer, if any came.
    /// </summary>
    private static async Task<ServerClock?> ProbeAddressAsync(NodeConfig config, NodeIdentity identity, CheckReport report, TimeProvider timeProvider, string label, CancellationToken cancellationToken)
    {
        var options = AgentOptions.FromConfig(config);
        options.ConnectTimeout = ProbeTimeout;
        using var channel = new CoordinatorChannel(config, identity, Options.Create(options), NullLogger<CoordinatorChannel>.Instance, timeProvider);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            using var call = channel.DownloadArtifact(new DownloadArtifactRequest { Sha256 = new string('0', 64), MaxChunkBytes = 1024 }, timeout.Token);
            await call.ResponseStream.MoveNext(timeout.Token).ConfigureAwait(false);
            report.Pass(label, $"{channel.Address} is reachable{Via(config)} and accepts this node's certificate");
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.PermissionDenied or StatusCode.NotFound or StatusCode.InvalidArgument or StatusCode.OutOfRange)
        {
            // Only an authenticated node is told what it may download: the certificate was accepted.
            report.Pass(label, $"{channel.Address} is reachable{Via(config)} and accepts this node's certificate");
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated)
        {
            report.Fail(label, $"{config.CoordinatorUrl} refuses this node's certificate ({ex.Status.Detail}); the node may have been revoked: ask the operator for a new enrollment token");
        }
        catch (RpcException ex)
        {
            var why = channel.DescribeNetworkFailure(ex) ?? $"{ex.StatusCode}: {RpcErrors.Describe(ex)}; check coordinator.url, the network path (outbound HTTPS{Via(config)}) and that the coordinator runs";
            report.Fail(label, $"cannot reach {channel.Address}: {why}");
        }

        return channel.Clock.Offset is null ? null : channel.Clock;
    }

    private static string Via(NodeConfig config) =>
        config.Proxy is { } proxy && !proxy.Bypasses(config.CoordinatorUrl) ? $" through the proxy {proxy.Display} (from {proxy.Source})" : "";

    private sealed class CheckReport(TextWriter output)
    {
        private int _failures;

        public void Pass(string what, string detail) => output.WriteLine($"[ok]   {what}: {detail}");

        public void Warn(string what, string detail) => output.WriteLine($"[warn] {what}: {detail}");

        public void Skip(string what, string detail) => output.WriteLine($"[skip] {what}: {detail}");

        public void Fail(string what, string detail)
        {
            _failures++;
            output.WriteLine($"[FAIL] {what}: {detail}");
        }

        public int Finish()
        {
            output.WriteLine(_failures == 0 ? "All checks passed." : $"{_failures} problem(s) to fix.");
            return _failures == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }
    }
}
