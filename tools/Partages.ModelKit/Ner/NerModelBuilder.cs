using Microsoft.ML.OnnxRuntime;
using Partages.Evaluation;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Tokenization;
using Partages.ModelKit.Bundles;
using Partages.ModelKit.Synthetic;

namespace Partages.ModelKit.Ner;

/// <summary>What the NER model is built from. Fixed defaults: part of the generator, not of the demo's options.</summary>
public sealed record NerModelOptions
{
    public int TrainingDocuments { get; init; } = 600;
    /// <summary>Short windows on purpose, so the demo's longer reports are read in several windows.</summary>
    public int MaxLength { get; init; } = 64;
    public int Stride { get; init; } = 16;
    public int MaxVocabularyWords { get; init; } = 3000;
    public TaggerOptions Tagger { get; init; } = new();
}

public sealed record HospitalF1(string Slug, double StrictF1);

/// <summary>How the NER model was trained and how well it does (nervaluate strict F1 over character spans).</summary>
/// <param name="MaxLogitDifference">Largest |logit(ONNX Runtime) − logit(C#)| over every held-out window.</param>
public sealed record NerModelReport(
    IReadOnlyList<string> Tags,
    int VocabularySize,
    int TrainingDocuments,
    IReadOnlyList<double> EpochLosses,
    double TrainStrictF1,
    double HeldOutStrictF1,
    IReadOnlyList<HospitalF1> HeldOutStrictF1ByHospital,
    double OnnxHeldOutStrictF1,
    double MaxLogitDifference)
{
    /// <summary>Held-out accuracy of each attribute head on every gold entity, and of the code head on the coded BIOMARKER ones.</summary>
    public IReadOnlyDictionary<string, double>? HeldOutQualifierAccuracy { get; init; }
}

/// <summary>
/// Builds the oncology NER bundle: a training corpus of fictional pathology reports (every style mixed, its own random
/// stream, never given to a node), a WordPiece vocabulary from it, a <see cref="WindowTagger"/> trained on IOB2 tags of
/// each word's first piece, its ONNX graph checked against ONNX Runtime, and the bundle (task token_classification,
/// labels = the IOB2 tags, max_length and stride for long reports).
/// </summary>
public static class NerModelBuilder
{
    public const string ModelName = "oncology-ner";
    public const string ModelVersion = "1.0.0";

    /// <summary>The entity types, in the order of their tags.</summary>
    public static IReadOnlyList<string> EntityTypes { get; } = [OncologyLabels.BiomarkerEntity, OncologyLabels.StatusEntity];

    public static (byte[] Bundle, NerModelReport Report) Build(
        IReadOnlyList<(string Slug, IReadOnlyList<OncologyReport> Reports)> heldOut,
        ulong seed,
        string producerVersion,
        NerModelOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(heldOut);
        options ??= new NerModelOptions();
        var tags = Iob2.TagNames(EntityTypes);
        var training = OncologyReportGenerator.Generate(SyntheticHospitals.Training, options.TrainingDocuments, seed);
        var vocabulary = VocabularyBuilder.Build(training.Select(r => NerText.Prepare(r.Text)), options.MaxVocabularyWords, minCount: 2);
        var vocabBytes = VocabularyBuilder.ToVocabFileBytes(vocabulary);
        var encoding = NerEncoding.FromVocabStream(new MemoryStream(vocabBytes, writable: false), options.MaxLength, options.Stride);

        var windows = training.SelectMany(r => encoding.Windows(r.Text, NerEncoding.GoldEntities(r, EntityTypes))).ToList();
        cancellationToken.ThrowIfCancellationRequested();
        var (model, losses) = TaggerTrainer.Train(windows, vocabulary.Count, tags.Count, options.Tagger with { Seed = seed }, cancellationToken);

        var heads = QualifierHeads.Train(model, encoding, training);
        var onnx = TaggerGraph.Build(model, tags, producerVersion, heads);
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, sessionOptions);

        var trainCounts = new NerSchemeCounts(EntityTypes);
        foreach (var report in training.Take(100))
        {
            trainCounts.Add(NerEncoding.GoldEntities(report, EntityTypes), Predict(encoding, report.Text, w => model.Forward(w.Ids, w.Mask, 1, w.Ids.Length)));
        }

        var pooled = new NerSchemeCounts(EntityTypes);
        var pooledOnnx = new NerSchemeCounts(EntityTypes);
        var byHospital = new List<HospitalF1>();
        var maxDifference = 0.0;
        foreach (var (slug, reports) in heldOut)
        {
            var counts = new NerSchemeCounts(EntityTypes);
            foreach (var report in reports)
            {
                var gold = NerEncoding.GoldEntities(report, EntityTypes);
                var predicted = Predict(encoding, report.Text, w => model.Forward(w.Ids, w.Mask, 1, w.Ids.Length));
                counts.Add(gold, predicted);
                pooled.Add(gold, predicted);
                var onnxPredicted = Predict(encoding, report.Text, w =>
                {
                    var expected = model.Forward(w.Ids, w.Mask, 1, w.Ids.Length);
                    var actual = RunOnnx(session, w.Ids, w.Mask, w.Ids.Length);
                    for (var i = 0; i < actual.Length; i++)
                    {
                        maxDifference = Math.Max(maxDifference, Math.Abs(actual[i] - expected[i]));
                    }

                    return actual;
                });
                pooledOnnx.Add(gold, onnxPredicted);
            }

            byHospital.Add(new HospitalF1(slug, StrictF1(counts)));
        }

        maxDifference = Math.Max(maxDifference, HeadDifference(session, model, heads, encoding, heldOut.SelectMany(h => h.Reports).Take(40)));
        if (maxDifference > 1e-4)
        {
            throw new InvalidOperationException(
                $"ONNX Runtime disagrees with the C# tagger by {maxDifference}: the graph writer is wrong, no bundle written.");
        }

        var manifest = new ModelManifest
        {
            Name = ModelName,
            Version = ModelVersion,
            Task = TaskTypes.TokenClassification,
            Labels = tags,
            MaxLength = options.MaxLength,
            Stride = options.Stride,
            Model = ModelBundle.ModelEntry,
            Tokenizer = new TokenizerSpec { Kind = TokenizerSpec.BertWordPiece, Vocab = ModelBundle.VocabEntry, Lowercase = true, StripAccents = true },
            Inputs = new ModelInputs { InputIds = TaggerGraph.InputIds, AttentionMask = TaggerGraph.AttentionMask, TokenTypeIds = null },
            Outputs = new ModelOutputs { Logits = TaggerGraph.Logits },
            Attributes = [.. heads.Heads.Where(h => h.Output != QualifierHeads.CodeOutput).Select(h => new AttributeOutput { Name = h.Name, Values = h.Values, Default = "false", Output = h.Output })],
            Normalisation = new NormalisationOutput { System = OncologyCodes.System, Codes = OncologyCodes.All, Output = QualifierHeads.CodeOutput },
        };
        var bundle = ModelBundle.Pack(manifest, onnx, vocabBytes);
        var reportOut = new NerModelReport(
            tags,
            vocabulary.Count,
            training.Count,
            losses,
            StrictF1(trainCounts),
            StrictF1(pooled),
            byHospital,
            StrictF1(pooledOnnx),
            maxDifference)
        {
            HeldOutQualifierAccuracy = heads.Accuracy(model, encoding, [.. heldOut.SelectMany(h => h.Reports)]),
        };
        return (bundle, reportOut);
    }

    /// <summary>
    /// Predicted character spans of one report: windows scored by <paramref name="score"/> (logits [sequence, tags]),
    /// each piece taking the argmax of the window where it is most central, each word the tag of its first piece,
    /// words decoded as strict IOB2 — the same rules as the node engine (docs/ner.md).
    /// </summary>
    internal static List<NerEntity> Predict(NerEncoding encoding, string text, Func<(long[] Ids, long[] Mask), float[]> score)
    {
        var pieces = encoding.Pieces(text);
        var layout = NerWindows.Layout(pieces.Length, encoding.MaxPieces, encoding.Stride);
        var owners = NerWindows.Owners(layout, pieces.Length);
        var windows = encoding.Windows(text, gold: null);
        var pieceTags = new int[pieces.Length];
        for (var w = 0; w < layout.Length; w++)
        {
            var ids = Array.ConvertAll(windows[w].Ids, id => (long)id);
            var mask = new long[ids.Length];
            Array.Fill(mask, 1L);
            var logits = score((ids, mask));
            var tagCount = logits.Length / ids.Length;
            for (var i = 0; i < layout[w].Count; i++)
            {
                var piece = layout[w].Start + i;
                if (owners[piece] == w)
                {
                    pieceTags[piece] = Maxima.ArgMax<float>(logits.AsSpan((i + 1) * tagCount, tagCount));
                }
            }
        }

        var words = NerText.Words(pieces);
        var wordTags = words.Select(word => owners.Length == 0 || owners[word.FirstPiece] < 0 ? Iob2.Outside : pieceTags[word.FirstPiece]).ToArray();
        return NerText.ToCharacterSpans(words, Iob2.DecodeStrict(wordTags));
    }

    private static float[] RunOnnx(InferenceSession session, long[] ids, long[] mask, int sequence)
    {
        long[] shape = [1, sequence];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [TaggerGraph.InputIds, TaggerGraph.AttentionMask], [idsValue, maskValue], [TaggerGraph.Logits]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Largest |ONNX Runtime − C#| over every attribute and code logit of the given reports' windows.</summary>
    private static double HeadDifference(InferenceSession session, WindowTagger model, QualifierHeads heads, NerEncoding encoding, IEnumerable<OncologyReport> reports)
    {
        var names = heads.Heads.Select(h => h.Output).ToArray();
        var (features, hidden, logits) = (new float[model.Features], new float[model.Hidden], new float[model.Tags]);
        var difference = 0.0;
        foreach (var window in reports.SelectMany(r => encoding.Windows(r.Text, gold: null)))
        {
            var ids = Array.ConvertAll(window.Ids, id => (long)id);
            var mask = new long[ids.Length];
            Array.Fill(mask, 1L);
            long[] shape = [1, ids.Length];
            using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, [TaggerGraph.InputIds, TaggerGraph.AttentionMask], [idsValue, maskValue], names);
            for (var t = 0; t < ids.Length; t++)
            {
                model.Gather(ids, mask, t, features);
                model.Apply(features, hidden, logits);
                var expected = heads.Apply(QualifierHeads.Input(features, hidden));
                for (var h = 0; h < names.Length; h++)
                {
                    var actual = outputs[h].GetTensorDataAsSpan<float>().Slice(t * expected[h].Length, expected[h].Length);
                    for (var c = 0; c < expected[h].Length; c++)
                    {
                        difference = Math.Max(difference, Math.Abs(actual[c] - expected[h][c]));
                    }
                }
            }
        }

        return difference;
    }

    private static double StrictF1(NerSchemeCounts counts) =>
        // Exact counts: From writes 0, never null, for a ratio over 0.
        NerSchemeMetrics.From(NerSchemes.Strict, counts.Overall(NerSchemes.Strict)).F1 ?? 0;
}
