using System.Text.Json;
using Partages.Benchmarks.Engine.Corpus;
using Partages.Benchmarks.Engine.Model;
using Partages.ModelKit.Training;

namespace Partages.Benchmarks.Engine.Measurement;

/// <summary>
/// The hidden <c>engine plain-probe</c> child: plain ONNX Runtime (<see cref="PlainInference"/>) alone in its own
/// process on a corpus tokenized before the clock starts, reading-order batches of 32. Beside <c>engine probe</c> it
/// gives the two sides in separate processes, so a profiler (<c>perf record</c>) or the kernel's peak resident set
/// sees one side only (issue 15, item 2). Prints the same JSON line as <see cref="MemoryProbe"/>.
/// </summary>
internal static class PlainProbe
{
    public const string CommandName = "plain-probe";

    public static async Task<int> RunChildAsync(string bundlePath, string corpusPath, int intraOpThreads, CancellationToken cancellationToken)
    {
        var startup = MemoryProbe.ReadStatusKib("VmHWM");
        var documents = await Jsonl.ReadAmrAsync(corpusPath, cancellationToken).ConfigureAwait(false);
        var gold = documents.Select(d => d.Label == LongReportCorpus.Resistant ? 1 : 0).ToArray();
        using var vocabulary = EngineBenchmark.OpenVocabulary(bundlePath);
        var encoding = BertEncoding.FromVocabStream(vocabulary, BenchmarkBundle.MaxLength);
        var batches = TokenizedBatch.Cut([.. documents.Select(d => d.Text)], encoding, 32);
        using var plain = PlainInference.Open(bundlePath, intraOpThreads);
        plain.WarmUp(batches[0], gold);
        var figures = plain.Run(batches, gold);
        var report = new ProbeReport(figures.Documents, figures.WallSeconds, figures.CpuSeconds, figures.Accuracy, startup, MemoryProbe.ReadStatusKib("VmHWM"));
        await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, MemoryProbe.ReportJson)).ConfigureAwait(false);
        return 0;
    }
}
