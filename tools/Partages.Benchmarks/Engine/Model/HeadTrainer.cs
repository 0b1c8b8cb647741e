namespace Partages.Benchmarks.Engine.Model;

/// <summary>What the fit did: for the benchmark's log and docs/benchmarks.md.</summary>
internal sealed record HeadFit(float[] Weight, float[] Bias, double FinalLoss, double TrainAccuracy);

/// <summary>
/// Fits the two-class head on pooled embeddings: logistic regression by full-batch gradient descent on standardised
/// features with an L2 penalty, in double precision and a fixed order (same embeddings, same head). The standardisation
/// is then folded into the weights, so the graph takes the raw pooled embedding. The two logits are <c>−z/2</c> and
/// <c>+z/2</c>: their softmax is the logistic <c>σ(z)</c> for the second class.
/// </summary>
internal static class HeadTrainer
{
    public static HeadFit Fit(IReadOnlyList<float[]> features, IReadOnlyList<int> labels, int steps = 400, double learningRate = 0.5, double l2 = 1e-2)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.Count == 0 || features.Count != labels.Count)
        {
            throw new ArgumentException($"{features.Count} embeddings for {labels.Count} labels", nameof(labels));
        }

        var n = features.Count;
        var d = features[0].Length;
        var mean = new double[d];
        var scale = new double[d];
        foreach (var x in features)
        {
            for (var j = 0; j < d; j++)
            {
                mean[j] += x[j];
            }
        }

        for (var j = 0; j < d; j++)
        {
            mean[j] /= n;
        }

        foreach (var x in features)
        {
            for (var j = 0; j < d; j++)
            {
                scale[j] += (x[j] - mean[j]) * (x[j] - mean[j]);
            }
        }

        for (var j = 0; j < d; j++)
        {
            // A constant dimension gets scale 1, so it stays at 0 rather than dividing by 0.
            var sd = Math.Sqrt(scale[j] / n);
            scale[j] = sd > 1e-12 ? sd : 1;
        }

        var z = features.Select(x => Enumerable.Range(0, d).Select(j => (x[j] - mean[j]) / scale[j]).ToArray()).ToArray();
        var w = new double[d];
        var b = 0.0;
        var gradient = new double[d];
        var loss = 0.0;
        for (var step = 0; step < steps; step++)
        {
            Array.Clear(gradient);
            var gradientB = 0.0;
            loss = 0;
            for (var i = 0; i < n; i++)
            {
                var margin = b + Dot(w, z[i]);
                var p = Sigmoid(margin);
                var error = p - labels[i];
                loss += labels[i] == 1 ? -LogSigmoid(margin) : -LogSigmoid(-margin);
                for (var j = 0; j < d; j++)
                {
                    gradient[j] += error * z[i][j];
                }

                gradientB += error;
            }

            loss = loss / n + 0.5 * l2 * Dot(w, w);
            for (var j = 0; j < d; j++)
            {
                w[j] -= learningRate * ((gradient[j] / n) + (l2 * w[j]));
            }

            b -= learningRate * gradientB / n;
        }

        var correct = z.Select((x, i) => (b + Dot(w, x) >= 0 ? 1 : 0) == labels[i]).Count(ok => ok);

        // z = b + Σ w_j (x_j − μ_j) / s_j = (b − Σ w_j μ_j / s_j) + Σ (w_j / s_j) x_j; logits [−z/2, z/2].
        var weight = new float[d * 2];
        var offset = b;
        for (var j = 0; j < d; j++)
        {
            var wj = w[j] / scale[j];
            offset -= wj * mean[j];
            weight[(j * 2) + 0] = (float)(-wj / 2);
            weight[(j * 2) + 1] = (float)(wj / 2);
        }

        return new HeadFit(weight, [(float)(-offset / 2), (float)(offset / 2)], loss, (double)correct / n);
    }

    private static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var j = 0; j < a.Length; j++)
        {
            sum += a[j] * b[j];
        }

        return sum;
    }

    private static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    private static double LogSigmoid(double x) => x >= 0 ? -Math.Log(1 + Math.Exp(-x)) : x - Math.Log(1 + Math.Exp(x));
}
