namespace Partages.Evaluation.Privacy;

/// <summary>What (ε, δ)-DP means to an attacker who must tell two neighbouring datasets apart.</summary>
public static class AttackBound
{
    /// <summary>
    /// The highest success rate of any test — any function of the released output, however computed — that guesses
    /// which of two neighbouring datasets D, D′ (equal priors ½) produced the release: (e^ε + δ) / (1 + e^ε).
    /// <para>
    /// Derivation. Let A be the set of outputs on which the test answers "D", x = P_D(A), y = P_D′(A). Success is
    /// ½·x + ½·(1 − y). (ε, δ)-DP applied to A gives x ≤ e^ε·y + δ, and applied to the complement with the
    /// roles swapped gives 1 − y ≤ e^ε·(1 − x) + δ. Maximising x − y over this polygon, both constraints bind:
    /// y = (1 − δ)/(1 + e^ε), x = e^ε·y + δ, so x − y = (e^ε − 1 + 2δ)/(1 + e^ε) and the success rate is
    /// ½(1 + x − y) = (e^ε + δ)/(1 + e^ε). The bound is attained (randomised response with a δ-probability leak,
    /// Kairouz, Oh and Viswanath 2015), so no tighter statement holds for (ε, δ)-DP alone.
    /// </para>
    /// </summary>
    public static double MaxSuccess(double epsilon, double delta)
    {
        if (!(epsilon >= 0) || double.IsNaN(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be non-negative.");
        }

        if (!(delta >= 0 && delta <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must lie in [0, 1].");
        }

        // Written as 1 − (1 − δ)/(1 + e^ε), which stays finite (→ 1) when e^ε overflows.
        return 1 - (1 - delta) / (1 + Math.Exp(epsilon));
    }
}
