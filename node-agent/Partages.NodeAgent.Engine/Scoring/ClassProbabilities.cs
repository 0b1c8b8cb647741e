namespace Partages.NodeAgent.Engine.Scoring;

/// <summary>
/// Turns one window's logits into class probabilities, in double precision. A window whose logits hold a NaN (or,
/// for softmax, no finite or positive-infinite score at all) has no probabilities: the caller counts its document
/// as <c>invalid_logits</c> rather than guessing.
/// </summary>
internal static class ClassProbabilities
{
    /// <summary>Softmax with the maximum subtracted first, so large logits do not overflow. +∞ logits share probability 1.</summary>
    /// <returns>False when the logits have no probabilities (NaN, or every logit −∞).</returns>
    public static bool Softmax(ReadOnlySpan<float> logits, Span<double> probabilities)
    {
        var max = double.NegativeInfinity;
        foreach (var logit in logits)
        {
            if (float.IsNaN(logit))
            {
                return false;
            }

            max = Math.Max(max, logit);
        }

        if (double.IsNegativeInfinity(max))
        {
            return false;
        }

        var sum = 0.0;
        for (var c = 0; c < logits.Length; c++)
        {
            // With a +∞ maximum, exp(∞ − ∞) would be NaN: the infinite logits take all the mass, shared equally.
            var p = double.IsPositiveInfinity(max)
                ? (float.IsPositiveInfinity(logits[c]) ? 1.0 : 0.0)
                : Math.Exp(logits[c] - max);
            probabilities[c] = p;
            sum += p;
        }

        for (var c = 0; c < logits.Length; c++)
        {
            probabilities[c] /= sum;
        }

        return true;
    }

    /// <summary>Each logit on its own through the logistic function (multi-label); ±∞ give 1 and 0.</summary>
    /// <returns>False when a logit is NaN.</returns>
    public static bool Sigmoid(ReadOnlySpan<float> logits, Span<double> probabilities)
    {
        for (var c = 0; c < logits.Length; c++)
        {
            var logit = logits[c];
            if (float.IsNaN(logit))
            {
                return false;
            }

            // Written on the side where Exp cannot overflow.
            probabilities[c] = logit >= 0 ? 1.0 / (1.0 + Math.Exp(-(double)logit)) : Math.Exp(logit) / (1.0 + Math.Exp(logit));
        }

        return true;
    }
}
