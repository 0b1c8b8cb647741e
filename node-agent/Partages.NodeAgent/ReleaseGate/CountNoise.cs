using Partages.Evaluation.Privacy;

namespace Partages.NodeAgent.ReleaseGate;

/// <summary>
/// The discrete Gaussian of Canonne, Kamath and Steinke (2020), sampled exactly (<see cref="DiscreteGaussian"/>:
/// integer and rational arithmetic only, so none of the floating-point weaknesses of continuous samplers, Mironov
/// 2012) from the operating system's CSPRNG. There is no seed: noise anyone can reproduce can be subtracted.
/// </summary>
public sealed class DiscreteGaussianNoise : ICountNoise
{
    private readonly CryptoRandomBits _bits = new();

    public static DiscreteGaussianNoise Instance { get; } = new();

    public long Sample(Rational sigmaSquared)
    {
        // CryptoRandomBits is safe to share; one sampler per process is enough.
        return DiscreteGaussian.Sample(sigmaSquared, _bits);
    }
}
