namespace Partages.NodeAgent.Tests.ReleaseGate;

/// <summary>Adds a constant and records the σ² each draw was asked for.</summary>
internal sealed class RecordingNoise(long value) : ICountNoise
{
    public List<double> Variances { get; } = [];

    public long Sample(Rational sigmaSquared)
    {
        Variances.Add(sigmaSquared.ToDouble());
        return value;
    }
}

/// <summary>Reproducible draws of the discrete Gaussian, for tests that need noise of the real size.</summary>
internal sealed class SeededNoise(int seed) : ICountNoise
{
    private readonly SeededRandomBits _bits = SeededRandomBits.FromHashOf(BitConverter.GetBytes(seed));

    public long Sample(Rational sigmaSquared) => DiscreteGaussian.Sample(sigmaSquared, _bits);
}
