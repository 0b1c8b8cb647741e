namespace Partages.ModelKit.Training;

/// <summary>
/// AdamW (Adam with decoupled weight decay) over a model's parameter arrays, each with its gradient array, as both
/// trainers (the classifier's, the NER tagger's) use it. Single-threaded float32 in a fixed order, and the powers of
/// the betas by repeated products rather than Math.Pow (which the C library computes), so the same gradients give
/// bit-identical weights on any machine.
/// </summary>
internal sealed class AdamW
{
    private const float Beta1 = 0.9f;
    private const float Beta2 = 0.999f;
    private const float Epsilon = 1e-8f;

    private readonly float[][] _parameters;
    private readonly float[][] _firstMoments;
    private readonly float[][] _secondMoments;
    private readonly float[] _decays;
    private readonly float _learningRate;
    private double _beta1Power = 1;
    private double _beta2Power = 1;

    /// <param name="undecayed">Parameters left out of the weight decay (biases: they only shift the priors).</param>
    public AdamW(float[][] parameters, float learningRate, float weightDecay, params float[][] undecayed)
    {
        _parameters = parameters;
        _learningRate = learningRate;
        Gradients = [.. parameters.Select(p => new float[p.Length])];
        _firstMoments = [.. parameters.Select(p => new float[p.Length])];
        _secondMoments = [.. parameters.Select(p => new float[p.Length])];
        _decays = [.. parameters.Select(p => undecayed.Contains(p) ? 0f : learningRate * weightDecay)];
    }

    /// <summary>One array per parameter, in the constructor's order, for the trainer to accumulate a batch into.</summary>
    public float[][] Gradients { get; }

    public void ClearGradients()
    {
        foreach (var gradient in Gradients)
        {
            Array.Clear(gradient);
        }
    }

    /// <summary>Moves every parameter by its accumulated gradient.</summary>
    public void Step()
    {
        _beta1Power *= Beta1;
        _beta2Power *= Beta2;
        var stepSize = (float)(_learningRate / (1 - _beta1Power));
        var secondCorrection = (float)(1 - _beta2Power);
        for (var p = 0; p < _parameters.Length; p++)
        {
            Update(_parameters[p], Gradients[p], _firstMoments[p], _secondMoments[p], stepSize, secondCorrection, _decays[p]);
        }
    }

    /// <summary>Fills <paramref name="values"/> uniformly in [−limit, limit], in index order.</summary>
    public static void InitialiseUniform(float[] values, float limit, DeterministicRandom random)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.NextSymmetric(limit);
        }
    }

    /// <summary>Glorot-uniform: limit √(6 / (fan_in + fan_out)), computed in double (Math.Sqrt is exact).</summary>
    public static void InitialiseGlorot(float[] weights, int fanIn, int fanOut, DeterministicRandom random) =>
        InitialiseUniform(weights, (float)Math.Sqrt(6.0 / (fanIn + fanOut)), random);

    private static void Update(float[] parameter, float[] gradient, float[] m, float[] v, float stepSize, float secondCorrection, float decay)
    {
        for (var i = 0; i < parameter.Length; i++)
        {
            var g = gradient[i];
            m[i] = Beta1 * m[i] + (1 - Beta1) * g;
            v[i] = Beta2 * v[i] + (1 - Beta2) * g * g;
            var denominator = MathF.Sqrt(v[i] / secondCorrection) + Epsilon;
            parameter[i] -= stepSize * m[i] / denominator + decay * parameter[i];
        }
    }
}
