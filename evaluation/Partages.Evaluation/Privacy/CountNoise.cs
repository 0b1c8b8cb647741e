namespace Partages.Evaluation.Privacy;

/// <summary>Noise added to a released count under differential privacy.</summary>
public interface ICountNoise
{
    /// <summary>An integer to add to one count: a draw of the discrete Gaussian N_Z(0, σ²).</summary>
    long Sample(Rational sigmaSquared);
}
