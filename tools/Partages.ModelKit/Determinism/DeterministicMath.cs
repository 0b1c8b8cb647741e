namespace Partages.ModelKit.Determinism;

/// <summary>
/// Transcendental functions built from IEEE-exact operations only (+, −, ×, ÷, rounding, scaling by
/// powers of two). <see cref="Math.Exp"/> defers to the platform's C library, whose last bit may differ
/// between operating systems; one differing bit in a softmax changes every trained weight after it,
/// and with them the bundle's SHA-256.
/// </summary>
public static class DeterministicMath
{
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;
    private const double InvLn2 = 1.44269504088896338700e+00;

    public static double Exp(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        // Softmax inputs are shifted by their maximum, so x is in (-inf, 0]; the clamp only keeps
        // ScaleB away from subnormals and overflow for other callers.
        x = Math.Clamp(x, -700.0, 700.0);

        // x = n·ln2 + r with |r| ≤ ln2/2; ln2 split in two so that n·Ln2Hi is exact.
        var n = Math.Round(x * InvLn2, MidpointRounding.ToEven);
        var r = (x - n * Ln2Hi) - n * Ln2Lo;

        // Taylor series of e^r, Horner form; 14 terms bring the error under one ulp for |r| ≤ 0.35.
        var sum = 1.0;
        for (var k = 14; k >= 1; k--)
        {
            sum = 1.0 + sum * r / k;
        }

        return Math.ScaleB(sum, (int)n);
    }
}
