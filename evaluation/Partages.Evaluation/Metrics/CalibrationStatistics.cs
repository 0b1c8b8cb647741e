namespace Partages.Evaluation.Metrics;

/// <summary>
/// One reliability bin, confidences in (<see cref="Lower"/>, <see cref="Upper"/>] (the first bin also holds 0).
/// <see cref="MeanConfidence"/> and <see cref="Accuracy"/> are <c>null</c> for an empty bin.
/// </summary>
public sealed record CalibrationBin(double Lower, double Upper, long Count, long Correct, double? MeanConfidence, double? Accuracy);

/// <summary>
/// The sufficient statistics of calibration: per reliability bin, the number of documents, how many were
/// predicted correctly and the sum of their top-class confidences; and, for the Brier score, the sum of
/// squared errors and the number of documents. Probabilities are first rounded to the <see cref="ScoreGrid"/>,
/// as for the histograms, so every sum is an integer number of grid steps and pooling by addition is exact.
/// </summary>
public sealed class CalibrationStatistics
{
    /// <summary>Equal-width reliability bins on [0, 1], as Guo et al. (2017).</summary>
    public const int Bins = 10;

    private const int StepsPerBin = ScoreGrid.Steps / Bins;

    private readonly long[] _count = new long[Bins];
    private readonly long[] _correct = new long[Bins];
    private readonly long[] _confidenceSteps = new long[Bins];

    public long DocumentCount { get; private set; }

    /// <summary>Σ over documents and classes of (pₖ − yₖ)², in units of 1 / <see cref="ScoreGrid.Steps"/>².</summary>
    public long SquaredErrorSteps { get; private set; }

    /// <summary>
    /// Counts one document. The prediction is the first class of highest probability, as the engine's argmax
    /// (taken on the raw probabilities: rounding could tie them); the confidence is that probability rounded to
    /// the grid; the document goes to the bin (b/10, (b+1)/10] holding it. Every probability is checked before
    /// any count changes, so a refused document leaves the statistics as they were.
    /// </summary>
    /// <exception cref="ArgumentException">No probability, or one is NaN.</exception>
    public void Add(int gold, ReadOnlySpan<double> probabilities)
    {
        if (probabilities.IsEmpty)
        {
            throw new ArgumentException("A document needs one probability per label.", nameof(probabilities));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(gold);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(gold, probabilities.Length);

        var predicted = 0;
        long squaredError = 0;
        for (var c = 0; c < probabilities.Length; c++)
        {
            long error = ScoreGrid.BinOf(probabilities[c]) - (c == gold ? ScoreGrid.Steps : 0);
            squaredError += error * error;
            if (probabilities[c] > probabilities[predicted])
            {
                predicted = c;
            }
        }

        var confidence = ScoreGrid.BinOf(probabilities[predicted]);
        var bin = confidence == 0 ? 0 : (confidence - 1) / StepsPerBin;
        _count[bin] = checked(_count[bin] + 1);
        _correct[bin] = checked(_correct[bin] + (predicted == gold ? 1 : 0));
        _confidenceSteps[bin] = checked(_confidenceSteps[bin] + confidence);
        SquaredErrorSteps = checked(SquaredErrorSteps + squaredError);
        DocumentCount = checked(DocumentCount + 1);
    }

    /// <summary>
    /// Expected calibration error, <c>ECE = Σ_b (n_b / N) · |acc_b − conf_b| = Σ_b |correct_b − Σconf_b| / N</c>.
    /// <c>null</c> when there is no document.
    /// </summary>
    public double? ExpectedCalibrationError
    {
        get
        {
            if (DocumentCount == 0)
            {
                return null;
            }

            long gapSteps = 0;
            for (var b = 0; b < Bins; b++)
            {
                gapSteps += Math.Abs(_correct[b] * ScoreGrid.Steps - _confidenceSteps[b]);
            }

            return (double)gapSteps / ScoreGrid.Steps / DocumentCount;
        }
    }

    /// <summary>
    /// Brier (1950) score over all classes, <c>(1/N) Σᵢ Σₖ (pᵢₖ − yᵢₖ)²</c>, in [0, 2]; for two classes it is twice
    /// scikit-learn's binary <c>brier_score_loss</c>. <c>null</c> when there is no document.
    /// </summary>
    public double? BrierScore =>
        DocumentCount == 0 ? null : (double)SquaredErrorSteps / ((double)ScoreGrid.Steps * ScoreGrid.Steps) / DocumentCount;

    /// <summary>The reliability diagram: one entry per bin, lowest first.</summary>
    public IReadOnlyList<CalibrationBin> Reliability() =>
    [
        .. Enumerable.Range(0, Bins).Select(b => new CalibrationBin(
            (double)b / Bins,
            (double)(b + 1) / Bins,
            _count[b],
            _correct[b],
            _count[b] == 0 ? null : (double)_confidenceSteps[b] / ScoreGrid.Steps / _count[b],
            _count[b] == 0 ? null : (double)_correct[b] / _count[b])),
    ];

    /// <summary>Per-bin sums as released: documents, correct predictions, confidences in grid steps.</summary>
    public (long Count, long Correct, long ConfidenceSteps) this[int bin] => (_count[bin], _correct[bin], _confidenceSteps[bin]);

    /// <summary>Rebuilds statistics from released sums, e.g. a site's JSON.</summary>
    /// <exception cref="InvalidDataException">Not one entry per bin, or sums that no set of documents could give.</exception>
    public static CalibrationStatistics FromSums(
        IReadOnlyList<long> count, IReadOnlyList<long> correct, IReadOnlyList<long> confidenceSteps, long squaredErrorSteps)
    {
        ArgumentNullException.ThrowIfNull(count);
        ArgumentNullException.ThrowIfNull(correct);
        ArgumentNullException.ThrowIfNull(confidenceSteps);
        if (count.Count != Bins || correct.Count != Bins || confidenceSteps.Count != Bins)
        {
            throw new InvalidDataException($"Calibration sums need {Bins} entries each.");
        }

        if (squaredErrorSteps < 0)
        {
            throw new InvalidDataException("The sum of squared errors is negative.");
        }

        var statistics = new CalibrationStatistics { SquaredErrorSteps = squaredErrorSteps };
        for (var b = 0; b < Bins; b++)
        {
            // A confidence in bin b lies in (b, b + 1] × StepsPerBin grid steps (bin 0 also holds 0).
            var lowest = b == 0 ? 0 : b * StepsPerBin + 1;
            if (correct[b] < 0 || correct[b] > count[b]
                || confidenceSteps[b] < checked(count[b] * lowest) || confidenceSteps[b] > checked(count[b] * (b + 1) * StepsPerBin))
            {
                throw new InvalidDataException($"Calibration bin {b} holds inconsistent sums.");
            }

            statistics._count[b] = count[b];
            statistics._correct[b] = correct[b];
            statistics._confidenceSteps[b] = confidenceSteps[b];
            statistics.DocumentCount = checked(statistics.DocumentCount + count[b]);
        }

        return statistics;
    }

    /// <summary>Pools sites by adding every sum: the statistics of the union of their documents.</summary>
    public static CalibrationStatistics Merge(IEnumerable<CalibrationStatistics> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var merged = new CalibrationStatistics();
        foreach (var site in sites)
        {
            for (var b = 0; b < Bins; b++)
            {
                merged._count[b] = checked(merged._count[b] + site._count[b]);
                merged._correct[b] = checked(merged._correct[b] + site._correct[b]);
                merged._confidenceSteps[b] = checked(merged._confidenceSteps[b] + site._confidenceSteps[b]);
            }

            merged.SquaredErrorSteps = checked(merged.SquaredErrorSteps + site.SquaredErrorSteps);
            merged.DocumentCount = checked(merged.DocumentCount + site.DocumentCount);
        }

        return merged;
    }
}
