using Partages.Evaluation;

namespace Partages.Benchmarks.Engine;

/// <summary>The `engine` command's options, checked once; every problem is listed.</summary>
internal sealed record EngineBenchmarkSettings : IBenchmarkSettings
{
    public int Reports { get; init; } = 2000;
    public int Rounds { get; init; } = 5;
    public int MemoryReports { get; init; } = 20000;
    public int TrainingReports { get; init; } = 320;
    public int Threads { get; init; } = 2;
    public ulong Seed { get; init; } = 20260301;
    public const string LongCorpus = "long";
    public const string MixedCorpus = "mixed";

    /// <summary><see cref="LongCorpus"/> (issue #3) or <see cref="MixedCorpus"/> (issue 15).</summary>
    public string Corpus { get; init; } = LongCorpus;

    /// <summary>Measure ONNX Runtime session settings one by one (<see cref="SessionOptionsBenchmark"/>) instead of the sides.</summary>
    public bool SessionOptions { get; init; }

    public required string WorkDirectory { get; init; }
    public required string CarrierPath { get; init; }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Reports < 32)
        {
            errors.Add($"--reports: {Reports} is below one batch (32)");
        }

        if (Rounds < 0)
        {
            errors.Add($"--rounds: {Rounds} is negative (0 measures peak memory only)");
        }

        if (MemoryReports < 0)
        {
            errors.Add($"--memory-reports: {MemoryReports} is negative (0 skips the large memory probe)");
        }

        if (TrainingReports < 32)
        {
            errors.Add($"--training-reports: {TrainingReports} is below 32");
        }

        if (Corpus is not (LongCorpus or MixedCorpus))
        {
            errors.Add($"--corpus: '{Corpus}' is neither {LongCorpus} nor {MixedCorpus}");
        }

        OptionRange.Check(errors, "--threads", Threads, 1, 64);

        if (!File.Exists(CarrierPath))
        {
            errors.Add($"--minilm: {CarrierPath} does not exist (run 'dotnet restore tools/Partages.Benchmarks')");
        }

        return errors;
    }
}
