using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;
using Partages.Evaluation;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Audit;
using Partages.NodeAgent.Configuration;
using Partages.NodeAgent.ReleaseGate;
using Partages.NodeAgent.Tests.Audit;
using Partages.NodeAgent.Tests.Infrastructure;

namespace Partages.NodeAgent.Tests.ReleaseGate;

public sealed class ResultReleaseGateTests
{
    private TestDirectory _directory = null!;
    private RecordingLoggerProvider _logs = null!;

    [SetUp]
    public void Create()
    {
        _directory = new TestDirectory();
        _logs = new RecordingLoggerProvider();
    }

    [TearDown]
    public void Delete() => _directory.Dispose();

    [Test]
    public void Prepare_Result_PayloadIsTheResultJsonAndItsSha256()
    {
        var gate = CreateGate(new RecordingTransport());
        var result = FakeEngine.SampleResult();

        var payload = gate.Prepare("run-1", result);

        payload.RunId.Should().Be("run-1");
        payload.ResultJson.Should().Be(ResultJson.Serialize(result));
        payload.Sha256.Should().Be(ContentHash.Of(Encoding.UTF8.GetBytes(payload.ResultJson)));
        payload.ByteCount.Should().Be(Encoding.UTF8.GetByteCount(payload.ResultJson));
        ResultJson.DeserializeSite(payload.ResultJson).Should().BeEquivalentTo(result);
    }

    [Test]
    public async Task SubmitAsync_Result_AuditAndLogCarryTheHashNeverTheContent()
    {
        using var audit = new AuditLog(_directory.Combine("audit"), TimeProvider.System, _logs.CreateLogger<AuditLog>());
        var gate = CreateGate(new RecordingTransport(), audit);

        var payload = gate.Prepare("run-1", FakeEngine.SampleResult());
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
    public async Task SubmitAsync_TransientFailures_RetriesTheSamePayloadUntilStored()
    {
        var transport = new RecordingTransport { Failures = { StatusCode.Unavailable, StatusCode.DeadlineExceeded } };
        var gate = CreateGate(transport);

        var outcome = await gate.ReleaseAsync("run-1", FakeEngine.SampleResult(), CancellationToken.None);

        outcome.Stored.Should().BeTrue();
        transport.Submitted.Should().HaveCount(3);
        transport.Submitted.Select(p => p.Sha256).Distinct().Should().ContainSingle().Which.Should().Be(outcome.Sha256);
    }

    [Test]
    public async Task SubmitAsync_CoordinatorRefuses_ThrowsWithoutRetrying()
    {
        var transport = new RecordingTransport { Failures = { StatusCode.FailedPrecondition } };
        var gate = CreateGate(transport);

        var act = () => gate.ReleaseAsync("run-1", FakeEngine.SampleResult(), CancellationToken.None);

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
            .Should().OnlyContain(t => t == typeof(string) || t == typeof(ResultDocument) || t == typeof(ReleasedPayload) || t == typeof(CancellationToken));
    }

    private ResultReleaseGate CreateGate(IResultTransport transport, IAuditLog? audit = null) =>
        new(
            transport,
            audit ?? new RecordingAuditLog(),
            new AgentOptions { ReconnectInitialDelay = TimeSpan.FromMilliseconds(1), ReconnectMaxDelay = TimeSpan.FromMilliseconds(5) },
            TimeProvider.System,
            _logs.CreateLogger<ResultReleaseGate>());

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
