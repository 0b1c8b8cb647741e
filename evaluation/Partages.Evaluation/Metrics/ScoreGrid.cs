namespace Partages.Evaluation.Metrics;

/// <summary>
/// The one grid on which every node rounds its predicted probabilities before counting them, so that the
/// histograms of different hospitals line up bin for bin and pool by plain addition. Bin <c>k</c> holds the
/// score <c>k / Steps</c>: the grid values are the probabilities written with three decimals, 0 and 1 included
/// (a saturated softmax gives exactly 0 or 1, and those deserve a bin of their own rather than sharing one).
/// </summary>
public static class ScoreGrid
{
    /// <summary>Steps between 0 and 1: the grid's resolution is <c>1 / Steps</c> = 0.001.</summary>
    public const int Steps = 1000;

    /// <summary>One bin per grid value <c>k / Steps</c>, <c>k = 0 … Steps</c>.</summary>
    public const int Bins = Steps + 1;

    /// <summary>
    /// The bin of a probability: the nearest grid value, a midpoint going up (half away from zero). A value
    /// outside [0, 1] is first clamped: clamping never reorders two scores, it can only tie them at an end.
    /// NaN has no place in an order and is refused. A score already on the grid (at most three decimals,
    /// as a double or as a float) lands on its own bin: <c>score × Steps</c> is then within a few ulps of an integer.
    /// </summary>
    /// <exception cref="ArgumentException">The score is NaN.</exception>
    public static int BinOf(double score)
    {
        if (double.IsNaN(score))
        {
            throw new ArgumentException("A predicted probability is NaN, which has no bin; the model's output is unusable.", nameof(score));
        }

        return (int)Math.Round(Math.Clamp(score, 0.0, 1.0) * Steps, MidpointRounding.AwayFromZero);
    }

    /// <summary>The score a bin stands for: <c>bin / Steps</c>.</summary>
    public static double ValueOf(int bin)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bin);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bin, Steps);
        return (double)bin / Steps;
    }
}
