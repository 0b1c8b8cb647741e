namespace Partages.NodeAgent.Tests.Isolation;

/// <summary>
/// "A dataset larger than memory" (issue 15, ERRATA 15): a real worker under its memory cap (RLIMIT_DATA, the
/// worker's own <c>ulimit -d</c>) reads a dataset larger than that cap to the end. The engine streams: what it holds
/// is bounded by its blocks of lines, not by the file, so the worker neither dies nor needs a restart.
/// </summary>
[NonParallelizable]
public sealed class MemoryCapTests : TestDirectoryPerTest
{
    /// <summary>The lowest cap the isolation tests run the small model under.</summary>
    private const int MemoryLimitMb = 256;

    /// <summary>Reports of about 4 KiB but one in eight of one word: 84,000 of them make a file of about 298 MB, over the cap.</summary>
    private const int Reports = 84_000;

    [Test]
    public async Task EvaluateAsync_DatasetLargerThanTheWorkersMemoryCap_CompletesInOneWorker()
    {
        var job = IsolationTestModel.WriteJob(Scratch.Path, GraphBehaviour.Normal, reports: []);
        WriteLargeDataset(job.Dataset.Path);
        new FileInfo(job.Dataset.Path).Length.Should().BeGreaterThan(MemoryLimitMb * 1024L * 1024);
        using var logs = new RecordingLoggerProvider();
        var engine = new IsolatedEvaluationEngine(
            new EvaluationEngine(new EvaluationEngineOptions()),
            new EvaluationEngineOptions(),
            new WorkerLimits(TimeSpan.FromMinutes(10), MemoryLimitMb),
            logs.CreateLogger<IsolatedEvaluationEngine>());
        var workers = 0;
        engine.WorkerStarted += _ => Interlocked.Increment(ref workers);

        var result = await engine.EvaluateAsync(job, null, CancellationToken.None);

        result.InputSummary.DocumentsRead.Should().Be(Reports);
        result.InputSummary.DocumentsEvaluated.Should().Be(Reports);
        result.InputSummary.Skipped.Should().BeEmpty();
        workers.Should().Be(1, "a worker that ran out of memory would have been replaced");
    }

    /// <summary>Mixed lengths (a one-word report every 8 lines) so length-aware batching has blocks to sort.</summary>
    private static void WriteLargeDataset(string path)
    {
        var body = new StringBuilder();
        while (body.Length < 4000)
        {
            body.Append("la souche est sensible ");
        }

        var longText = body.ToString();
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16);
        for (var i = 0; i < Reports; i++)
        {
            var (text, label) = (i % 8) switch
            {
                0 => ("blse", "BLSE"),
                1 => ("souche blse " + longText, "BLSE"),
                _ => (longText, "sensible"),
            };
            writer.Write("{\"id\":\"r");
            writer.Write(i);
            writer.Write("\",\"text\":\"");
            writer.Write(text);
            writer.Write("\",\"label\":\"");
            writer.Write(label);
            writer.WriteLine("\"}");
        }
    }
}
