using Partages.Evaluation.Privacy;

namespace Partages.Testing;

/// <summary>
/// Noise that always draws <paramref name="value"/> (0: none), so that a test of a private release knows exactly what
/// each released count is: the sensitivities and variances are then read from the release, not guessed from a draw.
/// </summary>
public sealed class ConstantNoise(long value) : ICountNoise
{
    public long Sample(Rational sigmaSquared) => value;
}
