using Partages.ModelKit.Determinism;

namespace Partages.Benchmarks.Engine.Corpus;

/// <summary>
/// The mixed-length corpus of issue 15: the long corpus's reports cut or extended to a word count drawn from a
/// log-normal law (median <see cref="MedianWords"/>, σ <see cref="Sigma"/>) and clipped to
/// <see cref="MinWords"/>–<see cref="MaxWords"/>, the shape of a hospital mix of one-line results and long reports.
/// Same seed, same bytes.
/// </summary>
internal static class MixedLengthCorpus
{
    public const int MedianWords = 60;
    public const double Sigma = 0.8;
    public const int MinWords = 8;
    public const int MaxWords = 392;

    public static Task<CorpusStatistics> WriteAsync(string path, int count, ulong seed, CancellationToken cancellationToken) =>
        LongReportCorpus.WriteAsync(path, count, seed, "mixed", cancellationToken, DrawWords);

    /// <summary>One log-normal draw (Box–Muller on the stream's own numbers), clipped.</summary>
    public static int DrawWords(DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        // 1 − u keeps the logarithm's argument in (0, 1].
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        var normal = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        var words = (int)Math.Round(MedianWords * Math.Exp(Sigma * normal));
        return Math.Clamp(words, MinWords, MaxWords);
    }
}
