using System.Numerics;

namespace Partages.Evaluation;

/// <summary>The one argmax of the project: the engine's prediction, the model kit's training checks and its NER tagger.</summary>
public static class Maxima
{
    /// <summary>
    /// Index of the largest value, the first on ties, as numpy's argmax for numbers. A plain <c>&gt;</c> decides, so a NaN
    /// after the first value is never picked (callers that can meet NaN check for it first). Throws on an empty span.
    /// </summary>
    public static int ArgMax<T>(ReadOnlySpan<T> values)
        where T : INumber<T>
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("An empty span has no largest value.", nameof(values));
        }

        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
