using Onnx;
using static Partages.ModelKit.Onnx.OnnxProtos;

namespace Partages.ModelKit.Generative;

/// <summary>
/// Writes the kit's generative model: a one-layer, one-head decoder with a key/value cache in the layout ONNX Runtime
/// GenAI feeds a "llama"-type decoder (<c>past_key_values.0.key|value</c> [batch, 1, past, head] in,
/// <c>present.0.key|value</c> out, <c>logits</c> [batch, sequence, vocabulary]). Its weights are set, not trained:
/// <list type="bullet">
/// <item>a causal window over the last <see cref="Window"/> tokens says which biomarker was named just before each
/// token (nearer counts more); the window reads earlier tokens' biomarker features back from the value cache, so it
/// works the same on the prompt and on every generated token;</item>
/// <item>status words ("muté", "négatif", "équivoque"…) are the only keys; a query made from the biomarker window
/// attends to the status word that follows the asked biomarker most closely, and its value is the status class;</item>
/// <item>a bigram table writes the JSON around it: after <c>":</c> comes <c> "</c>, then the attended status (or
/// "inconnu" when the report has no status word), then <c>"}</c>, then end of text.</item>
/// </list>
/// </summary>
public static class StatusDecoderGraph
{
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string Logits = "logits";
    public const string PastKey = "past_key_values.0.key";
    public const string PastValue = "past_key_values.0.value";
    public const string PresentKey = "present.0.key";
    public const string PresentValue = "present.0.value";

    /// <summary>How many tokens back a biomarker name still binds a status word.</summary>
    public const int Window = 10;

    /// <summary>Weight of a biomarker at distance d (1-based) in the window: nearer binds more.</summary>
    public static float WindowWeight(int distance) => 1f - (0.04f * (distance - 1));

    private const float StatusKeyWeight = 20f;
    private const float MatchWeight = 60f;
    private const float ClassLogit = 10f;
    private const float BigramLogit = 10f;
    private const float FallbackLogit = 1f;
    private const float MaskPenalty = 1e9f;

    /// <summary>Size of one cache row: the status class one-hot, then the biomarker one-hot (the window's memory).</summary>
    public static int HeadSize(StatusVocabulary v) => v.Classes.Count + v.Biomarkers.Count;

    public static ModelProto Build(StatusVocabulary v, string producerVersion)
    {
        ArgumentNullException.ThrowIfNull(v);
        int vocab = v.Bpe.Tokens.Count, classes = v.Classes.Count, markers = v.Biomarkers.Count, head = HeadSize(v);
        var graph = new GraphProto { Name = "partages_status_decoder" };
        AddTokenInputs(graph, InputIds, AttentionMask, "batch_size", "sequence_length");
        graph.Input.Add(TensorValue(PastKey, TensorProto.Types.DataType.Float, Dim("batch_size"), Dim(1), Dim("past_sequence_length"), Dim(head)));
        graph.Input.Add(TensorValue(PastValue, TensorProto.Types.DataType.Float, Dim("batch_size"), Dim(1), Dim("past_sequence_length"), Dim(head)));
        graph.Output.Add(TensorValue(Logits, TensorProto.Types.DataType.Float, Dim("batch_size"), Dim("sequence_length"), Dim(vocab)));
        graph.Output.Add(TensorValue(PresentKey, TensorProto.Types.DataType.Float, Dim("batch_size"), Dim(1), Dim("total_sequence_length"), Dim(head)));
        graph.Output.Add(TensorValue(PresentValue, TensorProto.Types.DataType.Float, Dim("batch_size"), Dim(1), Dim("total_sequence_length"), Dim(head)));

        AddTables(graph, v, vocab, classes, markers, head);
        AddWindowNodes(graph, markers);
        AddAttentionNodes(graph);
        graph.Node.Add(Node("MatMul", ["context", "out_projection"], "class_logits"));
        graph.Node.Add(Node("Gather", ["gate_table", InputIds], "gate", Int("axis", 0)));
        graph.Node.Add(Node("Mul", ["gate", "class_logits"], "gated"));
        graph.Node.Add(Node("Gather", ["bigram_table", InputIds], "bigram", Int("axis", 0)));
        graph.Node.Add(Node("Add", ["bigram", "gated"], Logits));

        const string doc = "Hand-set status extractor for fictional French pathology reports (ONNX Runtime GenAI decoder). Not for clinical use.";
        return Model(graph, producerVersion, doc, v.Classes);
    }

    private static void AddTables(GraphProto graph, StatusVocabulary v, int vocab, int classes, int markers, int head)
    {
        var marker = new float[vocab * markers];
        var statusClass = new float[vocab * classes];
        var isStatus = new float[vocab];
        foreach (var (token, index) in v.BiomarkerTokens)
        {
            marker[(token * markers) + index] = 1f;
        }

        foreach (var (token, index) in v.StatusTokens)
        {
            statusClass[(token * classes) + index] = 1f;
            isStatus[token] = 1f;
        }

        // Conv is a cross-correlation over [W zero rows, past, current]: tap k sees the token W - k places back; the
        // last tap (the token itself) is 0 so that a biomarker does not bind itself.
        var conv = new float[markers * (Window + 1)];
        for (var b = 0; b < markers; b++)
        {
            for (var k = 0; k < Window; k++)
            {
                conv[(b * (Window + 1)) + k] = WindowWeight(Window - k);
            }
        }

        var keyPad = new float[(1 + markers) * head];
        for (var i = 0; i < 1 + markers; i++)
        {
            keyPad[(i * head) + i] = 1f;
        }

        var queryWeight = new float[markers * head];
        for (var b = 0; b < markers; b++)
        {
            queryWeight[(b * head) + 1 + b] = MatchWeight;
        }

        var queryBias = new float[head];
        queryBias[0] = StatusKeyWeight;

        var outProjection = new float[head * vocab];
        for (var c = 0; c < classes; c++)
        {
            outProjection[(c * vocab) + v.ClassOutputTokens[c]] = ClassLogit;
        }

        var gate = new float[vocab];
        gate[v.OpenQuote] = 1f;
        var bigram = new float[vocab * vocab];
        for (var t = 0; t < vocab; t++)
        {
            bigram[(t * vocab) + v.Bpe.EndOfTextId] = BigramLogit;
        }

        void Next(int from, int to, float logit)
        {
            bigram[(from * vocab) + v.Bpe.EndOfTextId] = 0f;
            bigram[(from * vocab) + to] = logit;
        }

        Next(v.KeyClose, v.OpenQuote, BigramLogit);
        Next(v.OpenQuote, v.UnknownOutput, FallbackLogit);
        foreach (var output in v.ClassOutputTokens.Append(v.UnknownOutput))
        {
            Next(output, v.CloseObject, BigramLogit);
        }

        // The never-stopping variant loops back into another value instead of ending: the token budget must stop it.
        Next(v.CloseObject, v.NeverStops ? v.OpenQuote : v.Bpe.EndOfTextId, BigramLogit);

        graph.Initializer.Add(FloatTensor("marker_table", marker, vocab, markers));
        graph.Initializer.Add(FloatTensor("class_table", statusClass, vocab, classes));
        graph.Initializer.Add(FloatTensor("status_table", isStatus, vocab, 1));
        graph.Initializer.Add(FloatTensor("window_weight", conv, markers, 1, Window + 1));
        graph.Initializer.Add(FloatTensor("key_pad", keyPad, 1 + markers, head));
        graph.Initializer.Add(FloatTensor("query_weight", queryWeight, markers, head));
        graph.Initializer.Add(FloatTensor("query_bias", queryBias, head));
        graph.Initializer.Add(FloatTensor("out_projection", outProjection, head, vocab));
        graph.Initializer.Add(FloatTensor("gate_table", gate, vocab, 1));
        graph.Initializer.Add(FloatTensor("bigram_table", bigram, vocab, vocab));
        graph.Initializer.Add(Int64Tensor("marker_slice_start", [classes], 1));
        graph.Initializer.Add(Int64Tensor("marker_slice_end", [classes + markers], 1));
        graph.Initializer.Add(Int64Tensor("axis_head", [3], 1));
        graph.Initializer.Add(Int64Tensor("axis_1", [1], 1));
        graph.Initializer.Add(Int64Tensor("axis_2", [2], 1));
        graph.Initializer.Add(Int64Tensor("axes_1_2", [1, 2], 2));
        graph.Initializer.Add(Int64Tensor("window_pads", [0, 0, Window, 0, 0, 0], 6));
        graph.Initializer.Add(Int64Tensor("index_1", [1], 1));
        graph.Initializer.Add(Int64Tensor("index_2", [2], 1));
        graph.Initializer.Add(Int64Tensor("slice_to_end", [long.MaxValue], 1));
        graph.Initializer.Add(FloatTensor("one", [1f]));
        graph.Initializer.Add(FloatTensor("mask_penalty", [MaskPenalty]));
    }

    /// <summary>"window" [batch, sequence, markers]: the weighted biomarkers of the <see cref="Window"/> tokens before each token.</summary>
    private static void AddWindowNodes(GraphProto graph, int markers)
    {
        graph.Node.Add(Node("Gather", ["marker_table", InputIds], "marker", Int("axis", 0)));
        graph.Node.Add(Node("Slice", [PastValue, "marker_slice_start", "marker_slice_end", "axis_head"], "past_marker4"));
        graph.Node.Add(Node("Squeeze", ["past_marker4", "axis_1"], "past_marker"));
        graph.Node.Add(Node("Concat", ["past_marker", "marker"], "all_marker", Int("axis", 1)));
        graph.Node.Add(Node("Transpose", ["all_marker"], "all_marker_t", Ints("perm", 0, 2, 1)));
        graph.Node.Add(Node("Pad", ["all_marker_t", "window_pads"], "padded_marker"));
        graph.Node.Add(Node("Conv", ["padded_marker", "window_weight"], "window_all", Int("group", markers)));
        // Keep the current tokens only: the last sequence_length positions.
        graph.Node.Add(Node("Shape", [InputIds], "ids_shape"));
        graph.Node.Add(Node("Slice", ["ids_shape", "index_1", "index_2"], "sequence_length"));
        graph.Node.Add(Node("Neg", ["sequence_length"], "minus_sequence_length"));
        graph.Node.Add(Node("Slice", ["window_all", "minus_sequence_length", "slice_to_end", "axis_2"], "window_t"));
        graph.Node.Add(Node("Transpose", ["window_t"], "window", Ints("perm", 0, 2, 1)));
    }

    private static void AddAttentionNodes(GraphProto graph)
    {
        graph.Node.Add(Node("Gather", ["status_table", InputIds], "is_status", Int("axis", 0)));
        graph.Node.Add(Node("Gather", ["class_table", InputIds], "status_class", Int("axis", 0)));
        graph.Node.Add(Node("Mul", ["is_status", "window"], "status_window"));
        graph.Node.Add(Node("Concat", ["is_status", "status_window"], "key_in", Int("axis", 2)));
        graph.Node.Add(Node("MatMul", ["key_in", "key_pad"], "key_new"));
        graph.Node.Add(Node("Concat", ["status_class", "marker"], "value_new", Int("axis", 2)));
        graph.Node.Add(Node("Unsqueeze", ["key_new", "axis_1"], "key_new4"));
        graph.Node.Add(Node("Unsqueeze", ["value_new", "axis_1"], "value_new4"));
        graph.Node.Add(Node("Concat", [PastKey, "key_new4"], PresentKey, Int("axis", 2)));
        graph.Node.Add(Node("Concat", [PastValue, "value_new4"], PresentValue, Int("axis", 2)));

        graph.Node.Add(Node("MatMul", ["window", "query_weight"], "query_projected"));
        graph.Node.Add(Node("Add", ["query_projected", "query_bias"], "query"));
        graph.Node.Add(Node("Unsqueeze", ["query", "axis_1"], "query4"));
        graph.Node.Add(Node("Transpose", [PresentKey], "key_t", Ints("perm", 0, 1, 3, 2)));
        graph.Node.Add(Node("MatMul", ["query4", "key_t"], "scores"));

        // Causal and padding mask: token i of the chunk sees every cached token and the chunk's tokens up to itself,
        // i.e. the lower triangle of [sequence, total] shifted right by past = total - sequence.
        graph.Node.Add(Node("Shape", [AttentionMask], "mask_shape"));
        graph.Node.Add(Node("Slice", ["mask_shape", "index_1", "index_2"], "total_length"));
        graph.Node.Add(Node("Concat", ["sequence_length", "total_length"], "causal_shape", Int("axis", 0)));
        graph.Node.Add(ConstantOfShapeOne("causal_shape", "causal_ones"));
        graph.Node.Add(Node("Sub", ["total_length", "sequence_length"], "past_length1"));
        graph.Node.Add(Node("Squeeze", ["past_length1"], "past_length"));
        graph.Node.Add(Node("Trilu", ["causal_ones", "past_length"], "causal", Int("upper", 0)));
        graph.Node.Add(Node("Cast", [AttentionMask], "mask_float", Int("to", (long)TensorProto.Types.DataType.Float)));
        graph.Node.Add(Node("Unsqueeze", ["mask_float", "axes_1_2"], "mask4"));
        graph.Node.Add(Node("Mul", ["mask4", "causal"], "allowed"));
        graph.Node.Add(Node("Sub", ["allowed", "one"], "blocked"));
        graph.Node.Add(Node("Mul", ["blocked", "mask_penalty"], "penalty"));
        graph.Node.Add(Node("Add", ["scores", "penalty"], "masked_scores"));
        graph.Node.Add(Node("Softmax", ["masked_scores"], "attention", Int("axis", -1)));
        graph.Node.Add(Node("MatMul", ["attention", PresentValue], "context4"));
        graph.Node.Add(Node("Squeeze", ["context4", "axis_1"], "context"));
    }

    private static NodeProto ConstantOfShapeOne(string shape, string output)
    {
        var node = Node("ConstantOfShape", [shape], output);
        node.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = FloatTensor("value", [1f], 1) });
        return node;
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}
