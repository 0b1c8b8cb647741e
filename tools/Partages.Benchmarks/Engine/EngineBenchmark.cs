using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Partages.Benchmarks.Engine.Corpus;
using Partages.Benchmarks.Engine.Model;
using Partages.ModelKit.Training;

namespace Partages.Benchmarks.Engine;

/// <summary>
/// The engine benchmark of issue #3 (docs/benchmarks.md): builds or reuses the MiniLM bundle and the long-report
/// corpus, then in one process alternates plain ONNX Runtime on pre-tokenized batches with the engine end to end, and
/// finally measures the engine's peak memory in child processes over the corpus and over a ten-times larger one.
/// </summary>
internal static class EngineBenchmark
{
    /// <summary>Bump when the corpus generator changes, so cached corpora are not reused.</summary>
    private const int CorpusVersion = 1;

    public static async Task RunAsync(EngineBenchmarkSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(settings.WorkDirectory);
        var invariant = CultureInfo.InvariantCulture;
        output.WriteLine(Describe.Machine());
        output.WriteLine($"work dir: {settings.WorkDirectory}");

        var model = await BenchmarkBundle.EnsureBuiltAsync(settings.WorkDirectory, settings.CarrierPath, settings.TrainingReports, settings.Seed, output, cancellationToken).ConfigureAwait(false);
        output.WriteLine(string.Create(invariant,
            $"bundle: {model.BundlePath} ({model.BundleBytes / 1e6:0.0} MB, sha256 {model.BundleSha256[..16]}…, {(model.Reused ? "reused" : $"built in {model.Stamp.BuildSeconds:0} s")}); head fitted on {model.Stamp.TrainingReports} reports: training accuracy {model.Stamp.TrainAccuracy:P1}, graph vs fit max |Δlogit| {model.Stamp.MaxLogitDifference:G2}"));

        var corpusPath = await EnsureCorpusAsync(settings.WorkDirectory, settings.Reports, settings.Seed, cancellationToken).ConfigureAwait(false);
        var documents = await Jsonl.ReadAmrAsync(corpusPath, cancellationToken).ConfigureAwait(false);
        var words = documents.Select(d => LongReportCorpus.CountWords(d.Text)).ToArray();
        var gold = documents.Select(d => d.Label == LongReportCorpus.Resistant ? 1 : 0).ToArray();
        output.WriteLine(string.Create(invariant,
            $"corpus: {corpusPath}: {documents.Count} reports, {words.Min()}–{words.Max()} words (mean {words.Average():0}), mean {documents.Average(d => d.Text.Length):0} characters, {gold.Count(g => g == 1)} resistant"));

        var summary = settings.Rounds > 0
            ? await MeasureThroughputAsync(settings, model, corpusPath, documents, gold, output, cancellationToken).ConfigureAwait(false)
            : new EngineBenchmarkSummary { Reports = documents.Count, Threads = settings.Threads };

        if (settings.MemoryReports > 0)
        {
            output.WriteLine();
            output.WriteLine("peak memory, engine in a child process each (VmHWM):");
            var small = await MemoryProbe.RunAsync(model.BundlePath, corpusPath, settings.Threads, cancellationToken).ConfigureAwait(false);
            PrintProbe(output, small);
            var largeCorpus = await EnsureCorpusAsync(settings.WorkDirectory, settings.MemoryReports, settings.Seed, cancellationToken).ConfigureAwait(false);
            var large = await MemoryProbe.RunAsync(model.BundlePath, largeCorpus, settings.Threads, cancellationToken).ConfigureAwait(false);
            PrintProbe(output, large);
            var growth = ((double)large.PeakHwmKib / small.PeakHwmKib) - 1;
            output.WriteLine(string.Create(invariant, $"  peak at {large.Documents} vs {small.Documents} reports: {growth:+0.0%;-0.0%}   target: within ±20%"));
            summary = summary with { SmallProbe = small, LargeProbe = large, PeakGrowth = growth };
        }

        var resultsPath = Path.Combine(settings.WorkDirectory, settings.Rounds > 0 ? "engine-benchmark.json" : "engine-memory.json");
        output.WriteLine();
        await FiguresFile.WriteAsync(resultsPath, summary, output, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<EngineBenchmarkSummary> MeasureThroughputAsync(
        EngineBenchmarkSettings settings,
        BenchmarkModel model,
        string corpusPath,
        IReadOnlyList<AmrReport> documents,
        int[] gold,
        TextWriter output,
        CancellationToken cancellationToken)
    {
        var invariant = CultureInfo.InvariantCulture;
        // The plain side's input: the same tokenizer, truncation, batches (reading order, 32) and padding as the engine's.
        using var vocabulary = OpenVocabulary(model.BundlePath);
        var encoding = BertEncoding.FromVocabStream(vocabulary, BenchmarkBundle.MaxLength);
        var tokenizing = ProcessClock.Start();
        var batches = TokenizedBatch.Cut([.. documents.Select(d => d.Text)], encoding, 32);
        var (tokenizeWall, _) = tokenizing.Elapsed();
        var padded = batches.Sum(b => (long)b.Rows * b.SequenceLength);
        var tokens = batches.Sum(b => b.AttentionMask.Sum());
        output.WriteLine(string.Create(invariant,
            $"tokenized before timing: {batches.Count} batches, {tokens} tokens, padding {1 - ((double)tokens / padded):P1}, {batches.Count(b => b.SequenceLength == BenchmarkBundle.MaxLength)} batches at max_length; one thread tokenizes {documents.Count / tokenizeWall:0} reports/s"));

        var emptyCorpus = Path.Combine(settings.WorkDirectory, "empty.jsonl");
        await File.WriteAllBytesAsync(emptyCorpus, [], cancellationToken).ConfigureAwait(false);

        var sessionClock = ProcessClock.Start();
        using var plain = PlainInference.Open(model.BundlePath, settings.Threads);
        var (sessionSeconds, _) = sessionClock.Elapsed();
        plain.WarmUp(batches[0], gold);
        output.WriteLine(string.Create(invariant, $"plain session opened in {sessionSeconds:0.00} s (untimed), one warm-up batch"));

        var plainRounds = new List<SideFigures>();
        var engineRounds = new List<SideFigures>();
        var fixedCosts = new List<double>();
        output.WriteLine();
        output.WriteLine("round  first   plain docs/s  wall s  cpu s   engine docs/s  wall s  cpu s   engine setup s  ratio");
        for (var round = 1; round <= settings.Rounds; round++)
        {
            var plainFirst = round % 2 == 1;
            SideFigures? plainFigures = null, engineFigures = null;
            for (var side = 0; side < 2; side++)
            {
                Settle();
                if ((side == 0) == plainFirst)
                {
                    plainFigures = plain.Run(batches, gold);
                }
                else
                {
                    (engineFigures, _) = await EngineSide.RunAsync(model.BundlePath, corpusPath, settings.Threads, cancellationToken).ConfigureAwait(false);
                }
            }

            // The engine's fixed cost: the same entry on an empty file (bundle read and checked, session built, no document).
            Settle();
            var (setup, _) = await EngineSide.RunAsync(model.BundlePath, emptyCorpus, settings.Threads, cancellationToken).ConfigureAwait(false);
            plainRounds.Add(plainFigures!);
            engineRounds.Add(engineFigures!);
            fixedCosts.Add(setup.WallSeconds);
            output.WriteLine(string.Create(invariant,
                $"{round,5}  {(plainFirst ? "plain " : "engine"),-6}  {plainFigures!.DocumentsPerSecond,12:0.00}  {plainFigures.WallSeconds,6:0.0}  {plainFigures.CpuSeconds,5:0.0}   {engineFigures!.DocumentsPerSecond,13:0.00}  {engineFigures.WallSeconds,6:0.0}  {engineFigures.CpuSeconds,5:0.0}   {setup.WallSeconds,14:0.00}  {engineFigures.DocumentsPerSecond / plainFigures.DocumentsPerSecond,5:0.000}"));
            if (Math.Abs(engineFigures.Accuracy - plainFigures.Accuracy) > 1.0 / documents.Count + 1e-12)
            {
                // The two sides ran the same graph on the same ids: more than one document apart means they did not.
                throw new InvalidOperationException($"the engine's accuracy {engineFigures.Accuracy:P2} differs from plain inference's {plainFigures.Accuracy:P2}");
            }
        }

        var summary = new EngineBenchmarkSummary
        {
            Reports = documents.Count,
            Rounds = settings.Rounds,
            Threads = settings.Threads,
            PlainDocumentsPerSecond = Statistics.Median(plainRounds.Select(r => r.DocumentsPerSecond)),
            PlainWallSeconds = Statistics.Median(plainRounds.Select(r => r.WallSeconds)),
            PlainCpuSeconds = Statistics.Median(plainRounds.Select(r => r.CpuSeconds)),
            EngineDocumentsPerSecond = Statistics.Median(engineRounds.Select(r => r.DocumentsPerSecond)),
            EngineWallSeconds = Statistics.Median(engineRounds.Select(r => r.WallSeconds)),
            EngineCpuSeconds = Statistics.Median(engineRounds.Select(r => r.CpuSeconds)),
            EngineSetupSeconds = Statistics.Median(fixedCosts),
            MedianRoundRatio = Statistics.Median(plainRounds.Zip(engineRounds, (p, e) => e.DocumentsPerSecond / p.DocumentsPerSecond)),
            SteadyRatio = Statistics.Median(plainRounds.Zip(engineRounds, (p, e) => p.WallSeconds / (e.WallSeconds - Statistics.Median(fixedCosts)))),
            Accuracy = engineRounds[^1].Accuracy,
        };
        output.WriteLine();
        output.WriteLine(string.Create(invariant, $"medians over {settings.Rounds} rounds, {documents.Count} reports, batch 32, max_length {BenchmarkBundle.MaxLength}, {settings.Threads} intra-op threads, reading order (no length sorting):"));
        output.WriteLine(string.Create(invariant, $"  plain ONNX Runtime   {summary.PlainDocumentsPerSecond,7:0.00} docs/s   wall {summary.PlainWallSeconds,6:0.0} s   cpu {summary.PlainCpuSeconds,6:0.0} s"));
        output.WriteLine(string.Create(invariant, $"  engine end to end    {summary.EngineDocumentsPerSecond,7:0.00} docs/s   wall {summary.EngineWallSeconds,6:0.0} s   cpu {summary.EngineCpuSeconds,6:0.0} s   (of which setup on an empty file: {summary.EngineSetupSeconds:0.00} s)"));
        output.WriteLine(string.Create(invariant, $"  ratio engine/plain   {summary.EngineDocumentsPerSecond / summary.PlainDocumentsPerSecond:0.000} (of medians), {summary.MedianRoundRatio:0.000} (median of rounds), {summary.SteadyRatio:0.000} without the engine's setup   target ≥ 0.95"));
        output.WriteLine(string.Create(invariant, $"  accuracy (both sides) {summary.Accuracy:P1}"));
        return summary;
    }

    internal static void PrintProbe(TextWriter output, ProbeReport probe) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {probe.Documents,6} reports: peak {probe.PeakHwmKib / 1024.0,7:0.0} MiB (at startup {probe.StartupHwmKib / 1024.0:0.0} MiB), {probe.Documents / probe.WallSeconds:0.00} docs/s, wall {probe.WallSeconds:0.0} s, cpu {probe.CpuSeconds:0.0} s"));

    /// <summary>Garbage left by one side is collected before the next is timed, not charged to it.</summary>
    internal static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    internal static async Task<string> EnsureCorpusAsync(string workDirectory, int reports, ulong seed, CancellationToken cancellationToken)
    {
        // Deterministic: the name says everything the bytes depend on, so an existing file is the same corpus.
        var path = Path.Combine(workDirectory, string.Create(CultureInfo.InvariantCulture, $"reports-{reports}-seed{seed}-v{CorpusVersion}.jsonl"));
        if (!File.Exists(path))
        {
            await LongReportCorpus.WriteAsync(path, reports, seed, "bench", cancellationToken).ConfigureAwait(false);
        }

        return path;
    }

    internal static MemoryStream OpenVocabulary(string bundlePath)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(bundlePath);
        using var entry = zip.GetEntry("vocab.txt")!.Open();
        var copy = new MemoryStream();
        entry.CopyTo(copy);
        copy.Position = 0;
        return copy;
    }
}

/// <summary>The figures docs/benchmarks.md quotes, also written as JSON beside the corpus.</summary>
internal sealed record EngineBenchmarkSummary
{
    public int Reports { get; init; }
    public int Rounds { get; init; }
    public int Threads { get; init; }
    public double PlainDocumentsPerSecond { get; init; }
    public double PlainWallSeconds { get; init; }
    public double PlainCpuSeconds { get; init; }
    public double EngineDocumentsPerSecond { get; init; }
    public double EngineWallSeconds { get; init; }
    public double EngineCpuSeconds { get; init; }
    public double EngineSetupSeconds { get; init; }
    public double MedianRoundRatio { get; init; }
    public double SteadyRatio { get; init; }
    public double Accuracy { get; init; }
    public ProbeReport? SmallProbe { get; init; }
    public ProbeReport? LargeProbe { get; init; }
    public double? PeakGrowth { get; init; }
}

/// <summary>The machine line every figure is printed with.</summary>
internal static class Describe
{
    public static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"machine: {Environment.ProcessorCount} cores ({cpu ?? "unknown CPU"}), {memory ?? "unknown memory"}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, ONNX Runtime {OrtEnv.Instance().GetVersionString()}";
    }
}
