using Partages.Evaluation;
using Partages.Evaluation.Tokenization;
using Partages.ModelKit.Synthetic;

namespace Partages.ModelKit.Ner;

/// <summary>
/// The oncology NER bundle's attribute and normalisation outputs (docs/model-bundle.md): one linear softmax head per
/// output on the tagger's window features and hidden layer, <c>head_t = [x_t, h_t] · W + b</c>, trained after the
/// tagger (whose weights, and so whose tags, are untouched) on the first piece of each gold entity, where the engine
/// reads them. Negation and
/// hypothesis are learnt on STATUS mentions, the ICD-O-3 morphology on BIOMARKER mentions. Full-batch gradient descent
/// in a fixed order: the same tagger and corpus give bit-identical heads.
/// </summary>
public sealed class QualifierHeads
{
    /// <summary>One head: its manifest name (a brat attribute, or the code system), graph output and values.</summary>
    public sealed record Head(string Name, string Output, IReadOnlyList<string> Values, float[] Weight, float[] Bias);

    public const string NegationOutput = "negation_logits";
    public const string HypothesisOutput = "hypothesis_logits";
    public const string CodeOutput = "code_logits";

    private QualifierHeads(IReadOnlyList<Head> heads) => Heads = heads;

    /// <summary>Negation, Hypothesis (values false, true), then the ICD-O-3 codes.</summary>
    public IReadOnlyList<Head> Heads { get; }

    /// <summary>One sample: the head input [x_t, h_t] at an entity's first piece, and the entity.</summary>
    private sealed record Sample(float[] Hidden, EntitySpan Entity);

    public static QualifierHeads Train(WindowTagger model, NerEncoding encoding, IReadOnlyList<OncologyReport> reports, int epochs = 600, float learningRate = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(reports);
        var samples = reports.SelectMany(r => Samples(model, encoding, r)).ToList();
        // Attributes on every entity (a BIOMARKER is never negated): the engine reads them on every matched span.
        var biomarkers = samples.Where(s => s.Entity.Label == OncologyLabels.BiomarkerEntity && s.Entity.Code is not null).ToList();
        string[] binary = ["false", "true"];
        return new QualifierHeads(
        [
            Fit("Negation", NegationOutput, binary, Inputs(model), [.. samples.Select(s => (s.Hidden, s.Entity.Negated ? 1 : 0))], epochs, learningRate),
            Fit("Hypothesis", HypothesisOutput, binary, Inputs(model), [.. samples.Select(s => (s.Hidden, s.Entity.Hypothetical ? 1 : 0))], epochs, learningRate),
            Fit(OncologyCodes.System, CodeOutput, OncologyCodes.All, Inputs(model), [.. biomarkers.Select(s => (s.Hidden, IndexOf(OncologyCodes.All, s.Entity.Code!)))], epochs, learningRate),
        ]);
    }

    /// <summary>Length of a head's input: the window features, then the hidden activations.</summary>
    public static int Inputs(WindowTagger model) => model.Features + model.Hidden;

    /// <summary>A head's input at one position: <paramref name="features"/> then <paramref name="hidden"/>.</summary>
    public static float[] Input(ReadOnlySpan<float> features, ReadOnlySpan<float> hidden) => [.. features, .. hidden];

    /// <summary>Each head's logits at one position's input (<see cref="Input"/>).</summary>
    public float[][] Apply(ReadOnlySpan<float> hidden)
    {
        var outputs = new float[Heads.Count][];
        for (var h = 0; h < Heads.Count; h++)
        {
            outputs[h] = Logits(Heads[h], hidden);
        }

        return outputs;
    }

    /// <summary>Accuracy of each head on the gold entities of <paramref name="reports"/> (attributes: all; codes: the coded BIOMARKER ones).</summary>
    public IReadOnlyDictionary<string, double> Accuracy(WindowTagger model, NerEncoding encoding, IReadOnlyList<OncologyReport> reports)
    {
        var samples = reports.SelectMany(r => Samples(model, encoding, r)).ToList();
        var accuracy = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var head in Heads)
        {
            var relevant = head.Output == CodeOutput
                ? samples.Where(s => s.Entity.Code is not null).Select(s => (s.Hidden, Gold: IndexOf(OncologyCodes.All, s.Entity.Code!)))
                : samples.Select(s => (s.Hidden, Gold: (head.Output == NegationOutput ? s.Entity.Negated : s.Entity.Hypothetical) ? 1 : 0));
            var list = relevant.ToList();
            accuracy[head.Name] = list.Count == 0 ? 0 : list.Count(s => Maxima.ArgMax<float>(Logits(head, s.Hidden)) == s.Gold) / (double)list.Count;
        }

        return accuracy;
    }

    /// <summary>The hidden activations at each gold entity's first piece, in the window that owns the piece (as the engine reads it).</summary>
    private static IEnumerable<Sample> Samples(WindowTagger model, NerEncoding encoding, OncologyReport report)
    {
        var pieces = encoding.Pieces(report.Text);
        var words = NerText.Words(pieces);
        var layout = NerWindows.Layout(pieces.Length, encoding.MaxPieces, encoding.Stride);
        var owners = NerWindows.Owners(layout, pieces.Length);
        var windows = encoding.Windows(report.Text, gold: null);
        var features = new float[model.Features];
        var logits = new float[model.Tags];
        foreach (var entity in report.Entities)
        {
            var word = Array.FindIndex(words, w => w.Start >= entity.Start && w.Start < entity.End);
            if (word < 0 || owners[words[word].FirstPiece] is var w && w < 0)
            {
                continue;
            }

            var ids = Array.ConvertAll(windows[w].Ids, id => (long)id);
            var mask = new long[ids.Length];
            Array.Fill(mask, 1L);
            var hidden = new float[model.Hidden];
            model.Gather(ids, mask, words[word].FirstPiece - layout[w].Start + 1, features);
            model.Apply(features, hidden, logits);
            yield return new Sample(Input(features, hidden), entity);
        }
    }

    /// <summary>Softmax regression by full-batch gradient descent from zero weights.</summary>
    private static Head Fit(string name, string output, IReadOnlyList<string> values, int hidden, (float[] X, int Y)[] samples, int epochs, float learningRate)
    {
        var k = values.Count;
        var head = new Head(name, output, values, new float[hidden * k], new float[k]);
        var gradientW = new float[hidden * k];
        var gradientB = new float[k];
        for (var epoch = 0; epoch < epochs && samples.Length > 0; epoch++)
        {
            Array.Clear(gradientW);
            Array.Clear(gradientB);
            foreach (var (x, y) in samples)
            {
                var p = Logits(head, x);
                Partages.ModelKit.Training.ClassifierTrainer.Softmax(p);
                p[y] -= 1f;
                for (var c = 0; c < k; c++)
                {
                    gradientB[c] += p[c];
                    for (var i = 0; i < hidden; i++)
                    {
                        gradientW[(i * k) + c] += x[i] * p[c];
                    }
                }
            }

            var scale = learningRate / samples.Length;
            for (var i = 0; i < gradientW.Length; i++)
            {
                head.Weight[i] -= scale * gradientW[i];
            }

            for (var c = 0; c < k; c++)
            {
                head.Bias[c] -= scale * gradientB[c];
            }
        }

        return head;
    }

    private static float[] Logits(Head head, ReadOnlySpan<float> hidden)
    {
        var k = head.Values.Count;
        var logits = new float[k];
        for (var c = 0; c < k; c++)
        {
            var sum = head.Bias[c];
            for (var i = 0; i < hidden.Length; i++)
            {
                sum += hidden[i] * head.Weight[(i * k) + c];
            }

            logits[c] = sum;
        }

        return logits;
    }

    private static int IndexOf(IReadOnlyList<string> values, string value)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] == value)
            {
                return i;
            }
        }

        throw new InvalidDataException($"'{value}' is not among [{string.Join(", ", values)}].");
    }
}
