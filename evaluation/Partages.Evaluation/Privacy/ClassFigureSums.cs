namespace Partages.Evaluation.Privacy;

/// <summary>
/// The per-class precision, recall and F1 of a simulated draw, written at 3k..3k+2 and summed into the macro and
/// support-weighted averages at 3c+3..3c+8: the layout <see cref="NoisyClassification"/> and <see cref="NoisyRates"/>
/// share, so that both average a draw in one way.
/// </summary>
internal struct ClassFigureSums
{
    private double macroP, macroR, macroF, weights, weightedP, weightedR, weightedF;

    public void Add(Span<double> output, int k, double precision, double recall, double f1, double support)
    {
        output[3 * k] = precision;
        output[3 * k + 1] = recall;
        output[3 * k + 2] = f1;
        macroP += precision;
        macroR += recall;
        macroF += f1;
        // A class's weight is its support, which cannot be negative.
        var weight = Math.Max(0, support);
        weights += weight;
        weightedP += weight * precision;
        weightedR += weight * recall;
        weightedF += weight * f1;
    }

    public readonly void WriteAverages(Span<double> output, int c)
    {
        output[3 * c + 3] = macroP / c;
        output[3 * c + 4] = macroR / c;
        output[3 * c + 5] = macroF / c;
        output[3 * c + 6] = weights > 0 ? weightedP / weights : double.NaN;
        output[3 * c + 7] = weights > 0 ? weightedR / weights : double.NaN;
        output[3 * c + 8] = weights > 0 ? weightedF / weights : double.NaN;
    }
}
