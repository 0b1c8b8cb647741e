using System.Buffers.Binary;
using System.Text;

namespace Partages.Evaluation.Privacy;

/// <summary>What the figures from noisy counts share: the estimability rule, seeding from the inputs, quantiles.</summary>
internal static class NoisySimulation
{
    /// <summary>Two standard deviations, the ADR's "clearly above 0".</summary>
    public const double EstimableStandardDeviations = 2;

    /// <summary>The two-sided 95 % interval's quantiles.</summary>
    public const double LowerQuantile = 0.025, UpperQuantile = 0.975;

    /// <summary>
    /// A noisy denominator (the sum of <paramref name="cells"/> noisy cells, each of noise variance
    /// <paramref name="cellVariance"/>) is clearly above 0 when it is positive and at least 2 standard deviations
    /// of its own noise, 2·√(k·σ²).
    /// </summary>
    public static bool IsClearlyPositive(double noisySum, int cells, double cellVariance) =>
        noisySum > 0 && noisySum >= EstimableStandardDeviations * Math.Sqrt(cells * cellVariance);

    public static void Validate(double variance, int simulations)
    {
        if (!double.IsFinite(variance) || variance < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(variance), variance, "A noise variance is finite and non-negative (0: counts released exactly).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(simulations, 100);
    }

    /// <summary>
    /// The simulation's generator, seeded with SHA-256 of a purpose tag and every input that defines the figures, in
    /// a fixed binary layout: the same released counts always print the same interval, on every re-render.
    /// </summary>
    public sealed class SeedBuilder(string purpose)
    {
        private readonly MemoryStream _bytes = new();

        public SeedBuilder Add(string text)
        {
            var encoded = Encoding.UTF8.GetBytes(text);
            Add((long)encoded.Length);
            _bytes.Write(encoded);
            return this;
        }

        public SeedBuilder Add(long value)
        {
            Span<byte> buffer = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(buffer, value);
            _bytes.Write(buffer);
            return this;
        }

        public SeedBuilder Add(double value) => Add(BitConverter.DoubleToInt64Bits(value));

        public SimulationRandom Build()
        {
            Add(purpose);
            return new SimulationRandom(SeededRandomBits.FromHashOf(_bytes.GetBuffer().AsSpan(0, (int)_bytes.Length)));
        }
    }

    /// <summary>
    /// One simulated draw of a released cell's expected count μ given its noisy value Y, on the signed scale:
    /// μ* = Y + S + N, where S = Gamma(m̂ + ½, 1) − (m̂ + ½) is the sampling error of a Poisson count, taken from
    /// Jeffreys' posterior at the clipped count m̂ = max(Y, 0) and centred, and N ~ Normal(0, σ²) is the DP noise.
    /// The normal is a stated approximation of the discrete Gaussian N_Z(0, σ²): same parameter, a variance at least
    /// the true one (so never narrower), and sums of cells — what every figure uses — are close to normal anyway.
    /// Keeping Y's sign rather than clipping it is what keeps sums of many near-empty cells unbiased.
    /// </summary>
    public static double DrawCell(long noisy, double variance, SimulationRandom random)
    {
        var clipped = Math.Max(0, noisy);
        var sampling = random.NextGamma(clipped + 0.5) - (clipped + 0.5);
        var noise = variance > 0 ? Math.Sqrt(variance) * random.NextNormal() : 0;
        return noisy + sampling + noise;
    }

    /// <summary>
    /// A ratio of two (signed) sums of cells as a proportion: the numerator clipped at 0, the result clamped to
    /// [0, 1]; NaN, "undefined in this draw", when the denominator is not positive.
    /// </summary>
    public static double Proportion(double numerator, double denominator) =>
        denominator > 0 ? Math.Min(1, Math.Max(0, numerator) / denominator) : double.NaN;

    /// <summary>
    /// The interval from simulated draws: the 2.5 % and 97.5 % quantiles (linear interpolation between order
    /// statistics, R's type 7) of the draws where the figure is defined, widened if needed to contain the point
    /// estimate so a reader never sees an estimate outside its own interval. If the figure is undefined in half the
    /// draws or more, the counts barely identify it and the interval is [0, 1].
    /// </summary>
    public static NoisyInterval Interval(double estimate, double[] draws)
    {
        var defined = Array.Exists(draws, double.IsNaN) ? draws.Where(d => !double.IsNaN(d)).ToArray() : draws;
        if (defined.Length * 2 <= draws.Length)
        {
            return new NoisyInterval(estimate, 0, 1);
        }

        Array.Sort(defined);
        var low = Quantile(defined, LowerQuantile);
        var high = Quantile(defined, UpperQuantile);
        return new NoisyInterval(estimate, Math.Min(low, estimate), Math.Max(high, estimate));
    }

    private static double Quantile(double[] sorted, double p)
    {
        var position = p * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
