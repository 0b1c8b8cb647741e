using System.Text.RegularExpressions;
using Partages.NodeAgent.Tests.Audit;

namespace Partages.NodeAgent.Tests.ReleaseGate;

public sealed class ResultReleaseGateTests : TestDirectoryPerTest
{
    private RecordingLoggerProvider _logs = null!;

    [SetUp]
    public void Create() => _logs = new RecordingLoggerProvider();

    [Test]
    public async Task PrepareAsync_Result_PayloadIsTheReleasedResultJsonAndItsSha256()
    {
        var gate = CreateGate(new RecordingTransport(), policy: Policy(privacy: DifferentialPrivacyPolicy.Off));
        var result = LargeCellsResult();

        var payload = await gate.PrepareAsync(Request("run-1"), result, CancellationToken.None);

        payload.RunId.Should().Be("run-1");
        payload.Sha256.Should().Be(ContentHash.Of(Encoding.UTF8.GetBytes(payload.ResultJson)));
        payload.ByteCount.Should().Be(Encoding.UTF8.GetByteCount(payload.ResultJson));
        var released = ResultJson.DeserializeSite(payload.ResultJson);
        released.ConfusionMatrix.Matrix.Should().BeEquivalentTo(result.ConfusionMatrix.Matrix, o => o.WithStrictOrdering());
        released.PerClass.Should().BeEquivalentTo(result.PerClass);
        released.Release.Should().BeEquivalentTo(new ReleaseSection());
    }

    [Test]
    public async Task SubmitAsync_Result_AuditAndLogCarryTheHashNeverTheContent()
    {
        using var audit = new AuditLog(Scratch.Combine("audit"), TimeProvider.System, _logs.CreateLogger<AuditLog>());
        var gate = CreateGate(new RecordingTransport(), audit);

        var payload = await gate.PrepareAsync(Request("run-1"), FakeEngine.SampleResult(), CancellationToken.None);
        File.Exists(audit.FilePath).Should().BeFalse("a prepared payload is not released until it is submitted");
        await gate.SubmitAsync(payload, CancellationToken.None);

        var line = File.ReadAllLines(audit.FilePath).Should().ContainSingle().Subject;
        using var entry = JsonDocument.Parse(line);
        entry.RootElement.GetProperty("event").GetString().Should().Be("result_released");
        entry.RootElement.GetProperty("run_id").GetString().Should().Be("run-1");
        entry.RootElement.GetProperty("payload_sha256").GetString().Should().Be(payload.Sha256);
        line.Should().NotContain("confusion_matrix");
        _logs.Entries.Should().ContainSingle(e => e.EventId.Id == 400).Which.Message.Should().Contain(payload.Sha256);
        _logs.Entries.Should().NotContain(e => e.Message.Contains("confusion_matrix", StringComparison.Ordinal));
    }

    [Test]
    public async Task PrepareAsync_PolicyWithoutAPrivacyLine_NoisesEveryCountByDefault()
    {
        var noise = new ConstantNoise(0);
        var gate = CreateGate(new RecordingTransport(), policy: Policy(privacy: null), noise: noise);
        var result = ResultDocument.FromCounts("single_label_classification", ClassificationCounts.FromMatrix(["sensible", "BLSE"], [[40, 3], [6, 55]]), Summary(104));

        var payload = await gate.PrepareAsync(Request("run-1"), result, CancellationToken.None);

        var released = ResultJson.DeserializeSite(payload.ResultJson);
        released.Release!.DifferentialPrivacy.Should().NotBeNull("privacy is on unless the policy says off");
        released.ConfusionMatrix.Matrix[0][1].Should().Be(3, "a small cell is never released as 0");
        noise.Calls.Should().NotBeEmpty();
        Accountant().Spent("amr-reports").Releases.Should().Be(1);
    }

    [Test]
    public async Task PrepareAsync_DatasetUnderTheMinimumSize_RefusedWithTheReasonAndAudited()
    {
        var (message, audit) = await RefusalAsync(Policy(minDocuments: 500));

        message.Should().Contain("min_dataset_documents: 500").And.NotContain("101", "the exact size stays on the node");
        audit.Entries.Should().ContainSingle().Which.Should().Match<AuditEntry>(e => e.Reason == message && e.Dataset == "amr-reports");
    }

    [Test]
    public async Task PrepareAsync_PayloadOverTheMaximum_NotSentAndRefused()
    {
        var (message, _) = await RefusalAsync(Policy(maxPayloadBytes: 300));

        message.Should().Contain("limits.max_payload_bytes: 300").And.Contain("not sent");
    }

    [Test]
    public async Task PrepareAsync_DifferentialPrivacy_NoisesCountsAndRefusesOnceTheBudgetIsSpent()
    {
        var noise = new ConstantNoise(7);
        // A budget of exactly two releases of ε 0.5 composed in zCDP (about ε 0.73, less than the 1 that adding ε gives).
        var half = new DifferentialPrivacyPolicy { EpsilonPerRelease = 0.5 };
        var privacy = half with { EpsilonBudget = Zcdp.EpsilonOf(2 * half.RhoPerRelease, half.Delta) + 1e-9 };
        var policy = Policy(privacy: privacy);
        var gate = CreateGate(new RecordingTransport(), policy: policy, noise: noise);
        var result = LargeCellsResult();

        var first = ResultJson.DeserializeSite((await gate.PrepareAsync(Request("run-1", spec: "a"), result, CancellationToken.None)).ResultJson);
        await gate.PrepareAsync(Request("run-2", spec: "b"), result, CancellationToken.None);
        var spentAfterTwo = Accountant().Spent("amr-reports");
        var third = () => gate.PrepareAsync(Request("run-3", spec: "c"), result, CancellationToken.None);

        first.ConfusionMatrix.Matrix.Should().BeEquivalentTo(new long[][] { [47, 13], [14, 62] }, o => o.WithStrictOrdering());
        first.Release!.DifferentialPrivacy!.Epsilon.Should().BeApproximately(0.5, 1e-6);
        spentAfterTwo.Rho.Should().BeApproximately(2 * privacy.RhoPerRelease, 1e-12, "zCDP composes by adding ρ");
        spentAfterTwo.EpsilonAt(privacy.Delta).Should().BeLessThan(1.0, "zCDP composes more tightly than adding ε").And.BeGreaterThan(0.5);
        (await third.Should().ThrowAsync<EvaluationRefusedException>()).Which.Message.Should().Contain("privacy budget").And.Contain("amr-reports");
        Accountant().Spent("amr-reports").Releases.Should().Be(2);

        // The ledger is on disk: a restarted agent knows the budget is spent.
        var restarted = CreateGate(new RecordingTransport(), policy: policy, noise: noise);
        var again = () => restarted.PrepareAsync(Request("run-4", spec: "d"), result, CancellationToken.None);
        await again.Should().ThrowAsync<EvaluationRefusedException>();
    }

    [Test]
    public async Task PrepareAsync_PooledOnly_ChargesThePolicysRhoForTheShareAndRefusesOnceTheBudgetIsSpent()
    {
        var half = new DifferentialPrivacyPolicy { EpsilonPerRelease = 0.5 };
        var privacy = half with { EpsilonBudget = Zcdp.EpsilonOf(2 * half.RhoPerRelease, half.Delta) + 1e-9 };
        var policy = Policy(privacy: privacy) with { SecureAggregation = new SecureAggregationSettings { MinimumCohortSize = 5 } };
        var gate = CreateGate(new RecordingTransport(), policy: policy, noise: new ConstantNoise(1000));
        var result = LargeCellsResult();

        var share = ResultJson.DeserializeSite((await gate.PrepareAsync(Request("run-1", spec: "a") with { PooledOnly = true }, result, CancellationToken.None)).ResultJson);
        await gate.PrepareAsync(Request("run-2", spec: "b"), result, CancellationToken.None);
        var third = () => gate.PrepareAsync(Request("run-3", spec: "c") with { PooledOnly = true }, result, CancellationToken.None);

        var dp = share.Release!.DifferentialPrivacy!;
        dp.Mechanism.Should().Be(DifferentialPrivacyRelease.Skellam, "the share is Skellam noise, not the gate's discrete Gaussian");
        dp.NoiseThreshold.Should().Be(3, "calibrated for the smallest threshold a cohort of at least 5 can have");
        share.ConfusionMatrix.Matrix.SelectMany(r => r).Should().OnlyContain(c => Math.Abs(c) < 1000, "the constant test noise was not used");
        Accountant().Spent("amr-reports").Rho.Should().BeApproximately(2 * privacy.RhoPerRelease, 1e-12, "a pooled-only share is charged as a per-site release");
        (await third.Should().ThrowAsync<EvaluationRefusedException>()).Which.Message.Should().Contain("privacy budget");
        _logs.Entries.Should().Contain(e => e.EventId.Id == 410 && e.Message.Contains("at least 3 contributors", StringComparison.Ordinal));
    }

    [Test]
    public async Task PrepareAsync_RepeatedIdenticalRequest_ReturnsTheSamePayloadWithoutFreshNoiseOrSpending()
    {
        var policy = Policy(privacy: new DifferentialPrivacyPolicy { EpsilonBudget = 1.0, EpsilonPerRelease = 0.1 });
        var gate = CreateGate(new RecordingTransport(), policy: policy, noise: DiscreteGaussianNoise.Instance);
        var result = LargeCellsResult();

        var first = await gate.PrepareAsync(Request("run-1"), result, CancellationToken.None);
        var repeats = new List<ReleasedPayload>();
        for (var i = 2; i <= 6; i++)
        {
            repeats.Add(await CreateGate(new RecordingTransport(), policy: policy, noise: DiscreteGaussianNoise.Instance)
                .PrepareAsync(Request($"run-{i}"), result, CancellationToken.None));
        }

        repeats.Should().OnlyContain(p => p.ResultJson == first.ResultJson && p.Sha256 == first.Sha256);
        Accountant().Spent("amr-reports").Releases.Should().Be(1);
        var otherSpec = await gate.PrepareAsync(Request("run-7", spec: "another spec"), result, CancellationToken.None);
        Accountant().Spent("amr-reports").Releases.Should().Be(2, "a different request is a new release");
        otherSpec.Sha256.Should().NotBe(first.Sha256, "fresh noise at ε = 0.1 on every count is never all the same in practice");
    }

    [Test]
    public async Task PrepareAsync_ConcurrentIdenticalRequests_OneDrawOneCharge()
    {
        var policy = Policy(privacy: new DifferentialPrivacyPolicy { EpsilonBudget = 10, EpsilonPerRelease = 0.1 });
        var gate = CreateGate(new RecordingTransport(), policy: policy, noise: DiscreteGaussianNoise.Instance);
        var result = LargeCellsResult();

        var payloads = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => Task.Run(() => gate.PrepareAsync(Request($"run-{i}"), result, CancellationToken.None))));

        payloads.Select(p => p.Sha256).Distinct().Should().ContainSingle();
        Accountant().Spent("amr-reports").Releases.Should().Be(1);
    }

    [Test]
    public async Task SubmitAsync_TransientFailures_RetriesTheSamePayloadUntilStored()
    {
        var transport = new RecordingTransport { Failures = { StatusCode.Unavailable, StatusCode.DeadlineExceeded } };
        var gate = CreateGate(transport);

        var outcome = await gate.ReleaseAsync(Request("run-1"), FakeEngine.SampleResult(), CancellationToken.None);

        outcome.Stored.Should().BeTrue();
        transport.Submitted.Should().HaveCount(3);
        transport.Submitted.Select(p => p.Sha256).Distinct().Should().ContainSingle().Which.Should().Be(outcome.Sha256);
    }

    [Test]
    public async Task SubmitAsync_CoordinatorRefuses_ThrowsWithoutRetrying()
    {
        var transport = new RecordingTransport { Failures = { StatusCode.FailedPrecondition } };
        var gate = CreateGate(transport);

        var act = () => gate.ReleaseAsync(Request("run-1"), FakeEngine.SampleResult(), CancellationToken.None);

        (await act.Should().ThrowAsync<ResultRefusedException>()).Which.StatusCode.Should().Be(StatusCode.FailedPrecondition);
        transport.Submitted.Should().ContainSingle();
    }

    [Test]
    public void Sources_SubmitResult_IsCalledOnlyFromTheReleaseGateFolder()
    {
        var root = Path.Combine(RepositoryFiles.Root, "node-agent", "Partages.NodeAgent");
        var callers = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => Regex.IsMatch(File.ReadAllText(f), @"\bSubmitResult(Async)?\s*\("))
            .Select(f => Path.GetRelativePath(root, f))
            .ToList();

        callers.Should().NotBeEmpty().And.OnlyContain(f => f.StartsWith("ReleaseGate" + Path.DirectorySeparatorChar, StringComparison.Ordinal));
    }

    [Test]
    public void ReleasedPayload_HasNoPublicWayInButAResultDocument()
    {
        typeof(ReleasedPayload).GetConstructors().Should().BeEmpty("a payload is only ever made from a ResultDocument");
        typeof(ResultReleaseGate).GetMethods()
            .Where(m => m.DeclaringType == typeof(ResultReleaseGate))
            .SelectMany(m => m.GetParameters())
            .Select(p => p.ParameterType)
            .Should().OnlyContain(t => t == typeof(ReleaseRequest) || t == typeof(ResultDocument) || t == typeof(ReleasedPayload) || t == typeof(CancellationToken));
        typeof(ReleaseRequest).GetProperties().Select(p => p.PropertyType)
            .Should().OnlyContain(t => t == typeof(string) || t == typeof(DatasetDefinition) || t == typeof(bool), "a request carries names, hashes and flags, never content");
    }

    /// <summary>Releases <see cref="LargeCellsResult"/> under a policy that refuses it: nothing sent, one refusal audited.</summary>
    private async Task<(string Message, RecordingAuditLog Audit)> RefusalAsync(NodePolicy policy)
    {
        var transport = new RecordingTransport();
        var audit = new RecordingAuditLog();
        var gate = CreateGate(transport, audit, policy);

        var act = () => gate.ReleaseAsync(Request("run-1"), LargeCellsResult(), CancellationToken.None);

        var refusal = (await act.Should().ThrowAsync<EvaluationRefusedException>()).Which;
        transport.Submitted.Should().BeEmpty();
        audit.Entries.Should().ContainSingle(e => e.Event == ResultReleaseGate.RefusedEvent);
        return (refusal.Message, audit);
    }

    private ResultReleaseGate CreateGate(IResultTransport transport, IAuditLog? audit = null, NodePolicy? policy = null, ICountNoise? noise = null) =>
        new(
            transport,
            audit ?? new RecordingAuditLog(),
            Accountant(),
            new ReleaseCache(Scratch.Combine("release", "released")),
            noise ?? DiscreteGaussianNoise.Instance,
            new FakeEngine(),
            new AgentOptions { ReconnectInitialDelay = TimeSpan.FromMilliseconds(1), ReconnectMaxDelay = TimeSpan.FromMilliseconds(5) },
            TimeProvider.System,
            policy ?? Policy(),
            _logs.CreateLogger<ResultReleaseGate>());

    private PrivacyAccountant Accountant() => new(Scratch.Combine("release"), TimeProvider.System);

    private static ReleaseRequest Request(string runId, string spec = "spec") =>
        new(runId, new DatasetDefinition("amr-reports", "/data/amr.jsonl", "jsonl"), ContentHash.Of(spec), ContentHash.Of("bundle"));

    private static NodePolicy Policy(int minDocuments = 20, int maxPayloadBytes = 1024 * 1024, DifferentialPrivacyPolicy? privacy = null) => new()
    {
        Datasets = [new DatasetPolicy { Name = "amr-reports", SnapshotSha256 = new string('a', 64), LegalBasis = "test", DifferentialPrivacy = privacy ?? DifferentialPrivacyPolicy.Default }],
        Tasks = ["single_label_classification"],
        Release = new ReleasePolicy { MinDatasetDocuments = minDocuments },
        Limits = new RunLimits { MaxPayloadBytes = maxPayloadBytes },
    };

    /// <summary>A small result, all cells large enough that constant test noise keeps them positive.</summary>
    private static ResultDocument LargeCellsResult() =>
        ResultDocument.FromCounts("single_label_classification", ClassificationCounts.FromMatrix(["sensible", "BLSE"], [[40, 6], [7, 55]]), Summary(108));

    private static InputSummary Summary(long evaluated) => new() { DocumentsRead = evaluated, DocumentsEvaluated = evaluated };

    /// <summary>The same noise every time, recording how it was asked for: makes the DP arithmetic checkable.</summary>
    private sealed class ConstantNoise(long value) : ICountNoise
    {
        public List<double> Calls { get; } = [];

        public long Sample(Partages.Evaluation.Privacy.Rational sigmaSquared)
        {
            lock (Calls)
            {
                Calls.Add(sigmaSquared.ToDouble());
            }

            return value;
        }
    }

    private sealed class RecordingTransport : IResultTransport
    {
        public List<StatusCode> Failures { get; } = [];

        public List<ReleasedPayload> Submitted { get; } = [];

        public Task<bool> SubmitAsync(ReleasedPayload payload, CancellationToken cancellationToken)
        {
            Submitted.Add(payload);
            if (Failures.Count > 0)
            {
                var status = Failures[0];
                Failures.RemoveAt(0);
                throw new RpcException(new Status(status, "test"));
            }

            return Task.FromResult(true);
        }
    }
}
