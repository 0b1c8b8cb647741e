using System.Buffers.Binary;
using System.Text;

namespace Partages.Evaluation.Privacy;

/// <summary>
/// A figure derived from noisy counts: a point estimate and a 95 % interval that includes both the DP noise and the
/// sampling error. <see cref="Estimate"/> null means "not estimable": the noise drowns the figure's denominator, and
/// printing 0 or 1 instead would state something the counts do not support. The interval is then null too.
/// </summary>
public sealed record NoisyInterval(double? Estimate, double? CiLow, double? CiHigh)
{
    /// <summary>The figure that could not be estimated.</summary>
    public static NoisyInterval NotEstimable { get; } = new(null, null, null);

    public bool IsEstimable => Estimate.HasValue;
}

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
    /// The interval from simulated draws: the 2.5 % and 97.5 % quantiles (linear interpolation between order
    /// statistics, R's type 7), widened if needed to contain the point estimate, so a reader never sees an estimate
    /// outside its own interval (the clipped point estimate and the posterior can part when many cells are near 0).
    /// </summary>
    public static NoisyInterval Interval(double estimate, double[] draws)
    {
        Array.Sort(draws);
        var low = Quantile(draws, LowerQuantile);
        var high = Quantile(draws, UpperQuantile);
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
