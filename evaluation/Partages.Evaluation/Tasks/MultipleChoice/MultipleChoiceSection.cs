using System.Globalization;
using System.Text.Json.Serialization;
using Partages.Evaluation.Results;
using Partages.Evaluation.Tasks.GenerativeExtraction;

namespace Partages.Evaluation.Tasks.MultipleChoice;

/// <summary>
/// The <c>multiple_choice</c> section of a multiple-choice QA result (docs/generative.md, docs/results-schema.md). Its
/// sufficient statistics: the questions by Hamming score (a histogram over the finitely many values the score can
/// take, so it is exact and pools by addition), the generations by outcome, and the prompts truncated. The exact match
/// ratio is the top bin (score 1) over the questions; the Hamming score is the histogram's mean.
/// </summary>
public sealed record MultipleChoiceSection
{
    /// <summary>The outcome of a generation whose output parsed into an answer.</summary>
    public const string Valid = "valid";

    /// <summary>Every score the options allow, ascending, each with the questions that scored it (invalid answers score 0).</summary>
    public required IReadOnlyList<ScoreBin> HammingHistogram { get; init; }

    /// <summary><see cref="Valid"/> and every kind of <see cref="AnswerInvalidKinds"/>, always all present.</summary>
    public required IReadOnlyDictionary<string, long> Outputs { get; init; }

    /// <summary>Questions whose context was cut to fit the model's context (head kept, docs/generative.md); still generated and scored.</summary>
    public required long Truncated { get; init; }

    /// <summary>Questions answered exactly (predicted set = gold set) over questions; null when not estimable.</summary>
    public double? ExactMatchRatio { get; init; }

    public Interval? ExactMatchRatioInterval { get; init; }

    /// <summary>Mean over questions of |predicted ∩ gold| / |predicted ∪ gold| (FrenchMedMCQA's Hamming score); null when not estimable.</summary>
    public double? HammingScore { get; init; }

    public Interval? HammingScoreInterval { get; init; }

    /// <summary>Invalid answers over generations, with its 95 % interval; null when not estimable.</summary>
    public double? InvalidRate { get; init; }

    public Interval? InvalidRateInterval { get; init; }

    /// <summary>How the answers were produced, as the reproducibility manifest records them.</summary>
    public required DecodingRecord Decoding { get; init; }

    /// <summary>Questions counted (the histogram's total).</summary>
    [JsonIgnore]
    public long Questions => HammingHistogram.Sum(b => b.Count);

    /// <summary>Questions answered exactly: the score-1 bin.</summary>
    [JsonIgnore]
    public long ExactMatches => HammingHistogram.Where(b => b.Score == ScoreBins.One).Sum(b => b.Count);

    [JsonIgnore]
    public long Invalid => Outputs.Where(o => o.Key != Valid).Sum(o => o.Value);
}

/// <summary>One Hamming-score value, as an exact fraction in lowest terms (<c>"1/2"</c>, <c>"0/1"</c>, <c>"1/1"</c>), and its questions.</summary>
public sealed record ScoreBin(string Score, long Count);

/// <summary>
/// The values a question's Hamming score |P ∩ G| / |P ∪ G| can take when questions offer at most k options: every
/// fraction a/b with 1 ≤ b ≤ k and 0 ≤ a ≤ b, in lowest terms (k = 5: 0, 1/5, 1/4, 1/3, 2/5, 1/2, 3/5, 2/3, 3/4, 4/5,
/// 1). Fixed by the spec's labels alone, so every site releases the same bins, whatever its data.
/// </summary>
public static class ScoreBins
{
    public const string Zero = "0/1";
    public const string One = "1/1";

    /// <summary>The bins for questions of at most <paramref name="options"/> options, ascending by value.</summary>
    public static IReadOnlyList<string> For(int options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options, 1);
        var values = new SortedDictionary<double, string>();
        for (var b = 1; b <= options; b++)
        {
            for (var a = 0; a <= b; a++)
            {
                values.TryAdd((double)a / b, Of(a, b));
            }
        }

        return [.. values.Values];
    }

    /// <summary>The bin of <paramref name="intersection"/> / <paramref name="union"/> (a union of at least one).</summary>
    public static string Of(int intersection, int union)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(union, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(intersection);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(intersection, union);
        var g = Gcd(intersection, union);
        return string.Create(CultureInfo.InvariantCulture, $"{intersection / g}/{union / g}");
    }

    /// <summary>The bin of a question: <paramref name="predicted"/> null (an invalid answer) scores 0.</summary>
    public static string Of(IReadOnlySet<string>? predicted, IReadOnlySet<string> gold)
    {
        ArgumentNullException.ThrowIfNull(gold);
        if (predicted is null)
        {
            return Zero;
        }

        var both = predicted.Count(gold.Contains);
        return Of(both, predicted.Count + gold.Count - both);
    }

    /// <summary>The value of a bin.</summary>
    /// <exception cref="InvalidDataException">Not a fraction a/b with 0 ≤ a ≤ b, b ≥ 1.</exception>
    public static double Value(string bin)
    {
        var parts = bin?.Split('/') ?? [];
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var a)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var b)
            || b < 1 || a > b)
        {
            throw new InvalidDataException($"'{bin}' is not a Hamming score a/b with 0 <= a <= b");
        }

        return (double)a / b;
    }

    private static int Gcd(int a, int b) => b == 0 ? Math.Max(a, 1) : Gcd(b, a % b);
}

/// <summary>One run's multiple-choice counts, added question by question (the engine's scorer).</summary>
public sealed class MultipleChoiceCounts
{
    private readonly Dictionary<string, int> _index;

    public MultipleChoiceCounts(int options)
    {
        Bins = ScoreBins.For(options);
        _index = Bins.Select((b, i) => (b, i)).ToDictionary(p => p.b, p => p.i, StringComparer.Ordinal);
        Histogram = new long[Bins.Count];
        foreach (var kind in AnswerInvalidKinds.All.Prepend(MultipleChoiceSection.Valid))
        {
            Outputs[kind] = 0;
        }
    }

    public IReadOnlyList<string> Bins { get; }

    public long[] Histogram { get; }

    public SortedDictionary<string, long> Outputs { get; } = new(StringComparer.Ordinal);

    public long Truncated { get; private set; }

    /// <summary>Counts one question: its outcome (<see cref="MultipleChoiceSection.Valid"/> or an invalid kind), its score, whether its prompt was cut.</summary>
    public void Add(IReadOnlySet<string> gold, IReadOnlySet<string>? predicted, string outcome, bool truncated)
    {
        if (!Outputs.ContainsKey(outcome))
        {
            throw new ArgumentException($"'{outcome}' is not an outcome", nameof(outcome));
        }

        if (predicted is not null && predicted.Any(p => !AnswerContract.IsLetter(p)))
        {
            throw new ArgumentException("a predicted option is not a letter", nameof(predicted));
        }

        var bin = ScoreBins.Of(outcome == MultipleChoiceSection.Valid ? predicted : null, gold);
        if (!_index.TryGetValue(bin, out var i))
        {
            throw new ArgumentException($"the score {bin} needs more options than the {Bins.Count} bins allow", nameof(gold));
        }

        Histogram[i]++;
        Outputs[outcome]++;
        Truncated += truncated ? 1 : 0;
    }
}
