using Partages.Benchmarks.Engine.Corpus;
using Partages.Benchmarks.Engine.Model;
using Partages.ModelKit.Training;

namespace Partages.Benchmarks.Engine;

/// <summary>
/// Issue 15's benchmark (docs/benchmarks.md, "Length-aware batching"): on the mixed-length corpus, alternates in one
/// process the engine end to end (length-aware batching), plain ONNX Runtime on reading-order batches padded to each
/// batch's longest (what typical pipelines do) and plain ONNX Runtime on every report sorted by length (the
/// padding-free limit); then the engine's peak memory in a child process.
/// </summary>
internal static class MixedLengthBenchmark
{
    private const int CorpusVersion = 1;
    private const int BatchSize = 32;
    private static readonly string[] Sides = ["engine", "plain reading order", "plain by length"];

    public static async Task RunAsync(EngineBenchmarkSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var invariant = CultureInfo.InvariantCulture;
        Directory.CreateDirectory(settings.WorkDirectory);
        output.WriteLine(Describe.Machine());
        output.WriteLine(string.Create(invariant, $"load average at start: {LoadAverage()}"));
        var model = await BenchmarkBundle.EnsureBuiltAsync(settings.WorkDirectory, settings.CarrierPath, settings.TrainingReports, settings.Seed, output, cancellationToken).ConfigureAwait(false);
        output.WriteLine($"bundle: {model.BundlePath} (sha256 {model.BundleSha256[..16]}…)");
        var corpusPath = await EnsureCorpusAsync(settings.WorkDirectory, settings.Reports, settings.Seed, cancellationToken).ConfigureAwait(false);
        var documents = await Jsonl.ReadAmrAsync(corpusPath, cancellationToken).ConfigureAwait(false);
        var words = documents.Select(d => LongReportCorpus.CountWords(d.Text)).Order().ToArray();
        var gold = documents.Select(d => d.Label == LongReportCorpus.Resistant ? 1 : 0).ToArray();
        output.WriteLine(string.Create(invariant, $"corpus: {corpusPath}: {documents.Count} reports, {words[0]}–{words[^1]} words, median {words[words.Length / 2]}, mean {words.Average():0}"));

        using var vocabulary = EngineBenchmark.OpenVocabulary(model.BundlePath);
        var encoding = BertEncoding.FromVocabStream(vocabulary, BenchmarkBundle.MaxLength);
        var texts = documents.Select(d => d.Text).ToList();
        var readingOrder = TokenizedBatch.Cut(texts, encoding, BatchSize);
        var (byLength, order) = TokenizedBatch.CutByLength(texts, encoding, BatchSize);
        var sortedGold = order.Select(i => gold[i]).ToArray();
        var tokens = readingOrder.Sum(b => b.AttentionMask.Sum());
        output.WriteLine(string.Create(invariant,
            $"tokens {tokens}; positions computed: reading order {readingOrder.Sum(b => (long)b.Rows * b.SequenceLength)}, by length {byLength.Sum(b => (long)b.Rows * b.SequenceLength)}"));

        // --rounds 0 measures peak memory only: no medians exist, and none is written (a median of nothing is NaN,
        // which JSON cannot carry).
        var timed = settings.Rounds > 0
            ? await MeasureRounds(model.BundlePath, corpusPath, documents.Count, gold, readingOrder, byLength, sortedGold, settings, output, cancellationToken).ConfigureAwait(false)
            : null;

        ProbeReport? probe = null;
        if (settings.MemoryReports > 0)
        {
            output.WriteLine("peak memory, engine in a child process (VmHWM):");
            probe = await MemoryProbe.RunAsync(model.BundlePath, corpusPath, settings.Threads, cancellationToken).ConfigureAwait(false);
            EngineBenchmark.PrintProbe(output, probe);
        }

        var summary = new { Reports = documents.Count, settings.Rounds, settings.Threads, Sides, timed?.Medians, timed?.EngineOverReadingOrder, timed?.EngineOverByLength, Probe = probe };
        var resultsPath = Path.Combine(settings.WorkDirectory, "engine-mixed-benchmark.json");
        await FiguresFile.WriteAsync(resultsPath, summary, output, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<MixedTiming?> MeasureRounds(
        string bundlePath, string corpusPath, int reports, int[] gold, IReadOnlyList<TokenizedBatch> readingOrder, IReadOnlyList<TokenizedBatch> byLength, int[] sortedGold,
        EngineBenchmarkSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var invariant = CultureInfo.InvariantCulture;
            using var plain = PlainInference.Open(bundlePath, settings.Threads);
            plain.WarmUp(readingOrder[0], gold);
            var figures = Sides.Select(_ => new List<SideFigures>()).ToArray();
            output.WriteLine();
            output.WriteLine("round  side                 docs/s  wall s  cpu s  cpu ms/report  accuracy");
            for (var round = 1; round <= settings.Rounds; round++)
            {
                // Rotate which side goes first, so drift in the machine's load spreads over all three.
                for (var k = 0; k < Sides.Length; k++)
                {
                    var side = (k + round - 1) % Sides.Length;
                    EngineBenchmark.Settle();
                    var measured = side switch
                    {
                        0 => (await EngineSide.RunAsync(bundlePath, corpusPath, settings.Threads, cancellationToken).ConfigureAwait(false)).Figures,
                        1 => plain.Run(readingOrder, gold),
                        _ => plain.Run(byLength, sortedGold),
                    };
                    figures[side].Add(measured);
                    output.WriteLine(string.Create(invariant,
                        $"{round,5}  {Sides[side],-19} {measured.DocumentsPerSecond,7:0.0}  {measured.WallSeconds,6:0.0}  {measured.CpuSeconds,5:0.0}  {1000 * measured.CpuSeconds / measured.Documents,13:0.0}  {measured.Accuracy:P1}"));
                }
            }

            var medians = figures.Select(f => new SideMedians(
                Statistics.Median(f.Select(r => r.DocumentsPerSecond)),
                Statistics.Median(f.Select(r => r.WallSeconds)),
                Statistics.Median(f.Select(r => r.CpuSeconds)),
                Statistics.Median(f.Select(r => 1000 * r.CpuSeconds / r.Documents)))).ToArray();
            output.WriteLine();
            output.WriteLine(string.Create(invariant, $"medians over {settings.Rounds} rounds, {reports} reports, batch {BatchSize}, max_length {BenchmarkBundle.MaxLength}, {settings.Threads} intra-op threads; load average now {LoadAverage()}:"));
            for (var side = 0; side < Sides.Length; side++)
            {
                output.WriteLine(string.Create(invariant,
                    $"  {Sides[side],-19} {medians[side].DocumentsPerSecond,7:0.0} docs/s   wall {medians[side].WallSeconds,6:0.0} s   cpu {medians[side].CpuSeconds,6:0.0} s   {medians[side].CpuMsPerReport:0.0} cpu ms/report"));
            }

            var ratioReading = Statistics.Median(figures[0].Zip(figures[1], (e, p) => e.DocumentsPerSecond / p.DocumentsPerSecond));
            var ratioLimit = Statistics.Median(figures[0].Zip(figures[2], (e, p) => e.DocumentsPerSecond / p.DocumentsPerSecond));
            output.WriteLine(string.Create(invariant, $"  engine / plain reading order {ratioReading:0.000} (median of rounds; target ≥ 1.6)   engine / plain by length {ratioLimit:0.000} (target ≥ 0.95)"));
        return new MixedTiming(medians, ratioReading, ratioLimit);
    }

    internal static async Task<string> EnsureCorpusAsync(string workDirectory, int reports, ulong seed, CancellationToken cancellationToken)
    {
        // The name says everything the bytes depend on, so an existing file is the same corpus.
        var path = Path.Combine(workDirectory, string.Create(CultureInfo.InvariantCulture, $"mixed-{reports}-seed{seed}-v{CorpusVersion}.jsonl"));
        if (!File.Exists(path))
        {
            await MixedLengthCorpus.WriteAsync(path, reports, seed, cancellationToken).ConfigureAwait(false);
        }

        return path;
    }

    internal static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private sealed record MixedTiming(SideMedians[] Medians, double EngineOverReadingOrder, double EngineOverByLength);

    private sealed record SideMedians(double DocumentsPerSecond, double WallSeconds, double CpuSeconds, double CpuMsPerReport);
}
