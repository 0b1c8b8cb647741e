using Partages.Evaluation.Metrics;
using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;
using Partages.Evaluation.Tasks.GenerativeExtraction;

namespace Partages.Evaluation.Tasks.MultipleChoice;

/// <summary>Builds, reads and adds up the <c>multiple_choice</c> sections; every figure comes from the counts.</summary>
public static class MultipleChoiceResults
{
    /// <summary>
    /// A result from counts, exact (<paramref name="cellVariance"/> 0) or noisy (each released count with noise of that
    /// variance). The top-level table is empty, as for dataset QC: a question is not one label, and the figures are in
    /// the section.
    /// </summary>
    public static ResultDocument Build(
        string task,
        IReadOnlyList<string> bins,
        IReadOnlyList<long> histogram,
        IReadOnlyDictionary<string, long> outputs,
        long truncated,
        DecodingRecord decoding,
        InputSummary summary,
        ReleaseSection? release,
        double cellVariance = 0)
    {
        var all = AllOutcomes(outputs);
        var invalid = all.Where(o => o.Key != MultipleChoiceSection.Valid).Sum(o => o.Value);
        var generations = all.Values.Sum();
        var (exact, hamming) = Figures(bins, histogram, cellVariance);
        NoisyInterval rate;
        if (cellVariance > 0)
        {
            // The invalid total sums the kinds' noisy cells: each side of the proportion is given that larger variance.
            rate = NoisyProportion.Estimate(invalid, all[MultipleChoiceSection.Valid], cellVariance * AnswerInvalidKinds.All.Count);
        }
        else
        {
            var questions = histogram.Sum();
            var top = histogram[bins.Count - 1];
            exact = questions == 0 ? NoisyInterval.NotEstimable : Exact((double)top / questions, Wilson.Interval(top, questions));
            rate = generations == 0 ? NoisyInterval.NotEstimable : Exact((double)invalid / generations, Wilson.Interval(invalid, generations));
        }

        var section = new MultipleChoiceSection
        {
            HammingHistogram = [.. bins.Select((b, i) => new ScoreBin(b, histogram[i]))],
            Outputs = all,
            Truncated = truncated,
            ExactMatchRatio = exact.Estimate,
            ExactMatchRatioInterval = Interval.From(exact),
            HammingScore = hamming.Estimate,
            HammingScoreInterval = Interval.From(hamming),
            InvalidRate = rate.Estimate,
            InvalidRateInterval = Interval.From(rate),
            Decoding = decoding,
        };
        return ResultDocument.WithoutMatrix(task, generations, summary) with
        {
            MultipleChoice = section,
            Release = release,
        };
    }

    /// <summary>
    /// The exact match ratio and the Hamming score from the histogram, with 95 % intervals by the simulation every
    /// figure from counts uses (<see cref="NoisyFigures"/>: each bin drawn with its sampling error and, when released
    /// under differential privacy, its noise). Not estimable when the questions' total is not clearly above 0.
    /// </summary>
    private static (NoisyInterval Exact, NoisyInterval Hamming) Figures(IReadOnlyList<string> bins, IReadOnlyList<long> histogram, double cellVariance)
    {
        var values = bins.Select(ScoreBins.Value).ToArray();
        var estimable = NoisySimulation.IsClearlyPositive(histogram.Sum(), bins.Count, cellVariance);
        var figures = NoisyFigures.Estimate(
            "Partages.MultipleChoice.v1",
            bins,
            [.. histogram],
            cellVariance,
            [estimable, estimable],
            (cells, output) =>
            {
                double total = 0, sum = 0;
                for (var i = 0; i < cells.Length; i++)
                {
                    total += cells[i];
                    sum += values[i] * cells[i];
                }

                output[0] = NoisySimulation.Proportion(cells[^1], total);
                output[1] = NoisySimulation.Proportion(sum, total);
            },
            simulations: 2000);
        return (figures[0], figures[1]);
    }

    private static NoisyInterval Exact(double estimate, ConfidenceInterval ci) => new(estimate, ci.Lower, ci.Upper);

    /// <summary><see cref="MultipleChoiceSection.Valid"/> and every invalid kind, zero when absent; an unknown kind is refused.</summary>
    public static SortedDictionary<string, long> AllOutcomes(IReadOnlyDictionary<string, long> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var all = new SortedDictionary<string, long>(StringComparer.Ordinal) { [MultipleChoiceSection.Valid] = 0 };
        foreach (var kind in AnswerInvalidKinds.All)
        {
            all[kind] = 0;
        }

        foreach (var (kind, count) in outputs)
        {
            if (!all.ContainsKey(kind))
            {
                throw new InvalidDataException($"multiple_choice.outputs: '{kind}' is not an outcome (known: {string.Join(", ", all.Keys)})");
            }

            all[kind] += count;
        }

        return all;
    }

    /// <summary>The section, its shape checked for questions of at most <paramref name="options"/> options (the spec's labels); counts may be negative when <paramref name="noisy"/>.</summary>
    /// <exception cref="InvalidDataException">The section is missing or malformed.</exception>
    public static MultipleChoiceSection Read(ResultDocument document, int options, bool noisy)
    {
        ArgumentNullException.ThrowIfNull(document);
        var section = document.MultipleChoice ?? throw new InvalidDataException("the result has no multiple_choice section");
        if (section.HammingHistogram is null || section.Outputs is null || section.Decoding is null)
        {
            throw new InvalidDataException("multiple_choice: hamming_histogram, outputs and decoding are required");
        }

        var bins = ScoreBins.For(Math.Max(1, options));
        if (!section.HammingHistogram.Select(b => b?.Score).SequenceEqual(bins, StringComparer.Ordinal))
        {
            throw new InvalidDataException($"multiple_choice.hamming_histogram: the bins must be [{string.Join(", ", bins)}] for {options} options");
        }

        var outcomes = AllOutcomes(section.Outputs);
        if (document.ConfusionMatrix is not { Labels.Count: 0 })
        {
            throw new InvalidDataException("a multiple-choice result's top-level confusion_matrix is empty");
        }

        if (!noisy)
        {
            if (section.HammingHistogram.Any(b => b.Count < 0) || outcomes.Values.Any(v => v < 0) || section.Truncated < 0)
            {
                throw new InvalidDataException("multiple_choice: an exact count is negative");
            }

            if (section.Questions != outcomes.Values.Sum())
            {
                throw new InvalidDataException($"multiple_choice: the histogram counts {section.Questions} questions but the outputs {outcomes.Values.Sum()}");
            }
        }

        return section;
    }

    /// <summary>Adds exact results (sites of a pool, or a run's segments): every statistic is a sum over questions.</summary>
    public static ResultDocument PoolExact(string task, int options, IReadOnlyList<ResultDocument> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var sections = parts.Select(p => Read(p, options, noisy: false)).ToList();
        var (bins, histogram, outputs, truncated) = Sum(sections);
        var release = parts.All(p => p.Release is not null) ? new ReleaseSection() : null;
        return Build(task, bins, histogram, outputs, truncated, sections[0].Decoding, InputSummary.Sum(parts.Select(p => p.InputSummary)), release);
    }

    /// <summary>The most options a result's bins were made for (their largest denominator), read by the release gate, which has no spec.</summary>
    public static int OptionsOf(MultipleChoiceSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return section.HammingHistogram?.Select(b => b?.Score?.Split('/') is [_, var d] && int.TryParse(d, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0)
            .DefaultIfEmpty(0).Max() ?? 0;
    }

    /// <summary>The sections' counts added (signed: noisy counts add with their signs).</summary>
    public static (IReadOnlyList<string> Bins, long[] Histogram, SortedDictionary<string, long> Outputs, long Truncated) Sum(IReadOnlyList<MultipleChoiceSection> sections)
    {
        ArgumentNullException.ThrowIfNull(sections);
        var bins = sections[0].HammingHistogram.Select(b => b.Score).ToList();
        var histogram = new long[bins.Count];
        var outputs = AllOutcomes(new Dictionary<string, long>());
        foreach (var section in sections)
        {
            for (var i = 0; i < bins.Count; i++)
            {
                histogram[i] += section.HammingHistogram[i].Count;
            }

            foreach (var (kind, count) in section.Outputs)
            {
                outputs[kind] += count;
            }
        }

        return (bins, histogram, outputs, sections.Sum(s => s.Truncated));
    }
}
