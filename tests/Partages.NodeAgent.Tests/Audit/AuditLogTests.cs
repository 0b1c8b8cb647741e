namespace Partages.NodeAgent.Tests.Audit;

public sealed class AuditLogTests : TestDirectoryPerTest
{
    [Test]
    public void Append_FiveEntries_LinesChainFromGenesisAndVerify()
    {
        var path = WriteLog(5);

        var lines = File.ReadAllLines(path);
        var verdict = AuditChain.VerifyFile(path);

        lines.Should().HaveCount(5);
        Field(lines[0], "prev_hash").Should().Be(AuditChain.Genesis);
        Field(lines[1], "prev_hash").Should().Be(Field(lines[0], "hash"));
        lines.Select(l => Field(l, "seq")).Should().Equal("1", "2", "3", "4", "5");
        verdict.Valid.Should().BeTrue(verdict.Problem);
        verdict.LinesVerified.Should().Be(5);
        verdict.LastHash.Should().Be(Field(lines[4], "hash"));
    }

    [Test]
    public void Append_AfterReopen_ContinuesTheChain()
    {
        var path = WriteLog(2);

        using (var reopened = new AuditLog(Path.GetDirectoryName(path)!, TimeProvider.System, NullLogger<AuditLog>.Instance))
        {
            reopened.Append(new AuditEntry(AuditEvents.AgentStarted)).Seq.Should().Be(3);
        }

        AuditChain.VerifyFile(path).Valid.Should().BeTrue();
    }

    [Test]
    public void Verify_EditedLine_NamesThatLine()
    {
        var path = WriteLog(5);
        var lines = File.ReadAllLines(path);
        lines[2] = lines[2].Replace("\"by\":\"operator-3\"", "\"by\":\"someone-else\"", StringComparison.Ordinal);
        File.WriteAllLines(path, lines);

        var verdict = AuditChain.VerifyFile(path);

        verdict.Valid.Should().BeFalse();
        verdict.ProblemLine.Should().Be(3);
        verdict.Problem.Should().Contain("line 3").And.Contain("changed");
    }

    [Test]
    public void Verify_EditedLineWithItsHashRecomputed_NamesThatLineThroughTheNextOnesLink()
    {
        var path = WriteLog(5);
        var lines = File.ReadAllLines(path);
        using (var document = JsonDocument.Parse(lines[1]))
        {
            var root = document.RootElement;
            var forged = new AuditEntry(AuditEvents.JobApproved) { RunId = "run-2", By = "forger" };
            lines[1] = AuditChain.Format(root.GetProperty("seq").GetInt64(), DateTimeOffset.UtcNow, forged, root.GetProperty("prev_hash").GetString()!).Line;
        }

        File.WriteAllLines(path, lines);

        ShouldBeBroken(path, line: 3, problem: "line 2 was changed");
    }

    [Test]
    public void Verify_DeletedLine_SaysWhichSeqIsMissing()
    {
        var path = WriteLog(5);
        var lines = File.ReadAllLines(path).ToList();
        lines.RemoveAt(3);
        File.WriteAllLines(path, lines);

        ShouldBeBroken(path, line: 4, problem: "seq 4 was removed");
    }

    [Test]
    public void Verify_DeletedFirstLine_Detected()
    {
        var path = WriteLog(3);
        File.WriteAllLines(path, File.ReadAllLines(path).Skip(1));

        ShouldBeBroken(path, line: 1, problem: "seq 1 was removed");
    }

    [Test]
    public void Verify_ReorderedLines_SaysTheyWereReordered()
    {
        var path = WriteLog(5);
        var lines = File.ReadAllLines(path);
        (lines[1], lines[2]) = (lines[2], lines[1]);
        File.WriteAllLines(path, lines);

        ShouldBeBroken(path, line: 2, problem: "reordered");
    }

    [Test]
    public void Verify_NoFile_IsAnEmptyValidLog()
    {
        var verdict = AuditChain.VerifyFile(Scratch.Combine("audit", "audit.jsonl"));

        verdict.Valid.Should().BeTrue();
        verdict.LinesVerified.Should().Be(0);
    }

    [Test]
    public async Task Append_ConcurrentWriters_EveryLineChainsInOrder()
    {
        using var log = new AuditLog(Scratch.Combine("audit"), TimeProvider.System, NullLogger<AuditLog>.Instance);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 25; i++)
            {
                log.Append(new AuditEntry(AuditEvents.JobReceived) { RunId = $"run-{t}-{i}" });
            }
        })));

        var verdict = AuditChain.VerifyFile(log.FilePath);
        verdict.Valid.Should().BeTrue(verdict.Problem);
        verdict.LinesVerified.Should().Be(200);
    }

    /// <summary>Verifies the log at <paramref name="path"/>: broken, at that line, for that reason.</summary>
    private static void ShouldBeBroken(string path, int line, string problem)
    {
        var verdict = AuditChain.VerifyFile(path);

        verdict.Valid.Should().BeFalse();
        verdict.ProblemLine.Should().Be(line);
        verdict.Problem.Should().Contain(problem);
    }

    private string WriteLog(int count)
    {
        using var log = new AuditLog(Scratch.Combine("audit"), TimeProvider.System, NullLogger<AuditLog>.Instance);
        for (var i = 1; i <= count; i++)
        {
            log.Append(new AuditEntry(AuditEvents.JobApproved) { RunId = $"run-{i}", By = $"operator-{i}", LegalBasis = "Convention CHU n° 2024-17" });
        }

        return log.FilePath;
    }

    private static string Field(string line, string name)
    {
        using var document = JsonDocument.Parse(line);
        var value = document.RootElement.GetProperty(name);
        return value.ValueKind == JsonValueKind.Number ? value.GetRawText() : value.GetString()!;
    }
}
