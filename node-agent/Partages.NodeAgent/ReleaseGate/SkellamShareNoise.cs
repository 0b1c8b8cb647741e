using Partages.Evaluation.Privacy;
using Partages.SecureAggregation.Noise;

namespace Partages.NodeAgent.ReleaseGate;

/// <summary>
/// A node's share of a secure sum's noise: asked for variance v, it adds Skellam(v/2) = Poisson(v/2) − Poisson(v/2),
/// whose variance is exactly v, sampled exactly from the operating system's CSPRNG (<see cref="SkellamNoise"/>,
/// <see cref="ExactRandom"/>: integer coins only, no seed, no floating point). The v asked for is already the share
/// (DisclosureControl.ApplyPooled divides by the threshold), so what the release states is what this node added.
/// </summary>
public sealed class SkellamShareNoise : ICountNoise
{
    private readonly ExactRandom _random;
    private readonly Lock _lock = new();

    public SkellamShareNoise()
        : this(new ExactRandom())
    {
    }

    /// <summary>Draws from <paramref name="random"/>: a seeded stream only in benchmarks (<see cref="ExactRandom.Seeded"/>).</summary>
    public SkellamShareNoise(ExactRandom random) => _random = random ?? throw new ArgumentNullException(nameof(random));

    public long Sample(Rational sigmaSquared)
    {
        var numerator = sigmaSquared.Numerator;
        var denominator = sigmaSquared.Denominator * 2;
        if (numerator > long.MaxValue || denominator > long.MaxValue)
        {
            throw new EvaluationRefusedException($"a Skellam noise share of variance {sigmaSquared.ToDouble()} cannot be represented; the release is refused");
        }

        var mu = new SkellamParameter((long)numerator, (long)denominator);
        if (mu.Validate() is { Count: > 0 } errors)
        {
            throw new EvaluationRefusedException("the secure sum's noise share is refused: " + string.Join(" ", errors));
        }

        // ExactRandom keeps a buffer: one draw at a time.
        lock (_lock)
        {
            return SkellamNoise.Sample(mu, _random);
        }
    }
}

/// <summary>Adds nothing and records the smallest variance asked for: the probe that calibrates a Skellam release.</summary>
internal sealed class VarianceProbe : ICountNoise
{
    public double? Smallest { get; private set; }

    public long Sample(Rational sigmaSquared)
    {
        var value = sigmaSquared.ToDouble();
        Smallest = Smallest is { } smallest ? Math.Min(smallest, value) : value;
        return 0;
    }
}
