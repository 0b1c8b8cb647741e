using Onnx;
using Partages.ModelKit.Generative;
using static Partages.ModelKit.Onnx.OnnxProtos;

namespace Partages.ModelKit.MultipleChoice;

/// <summary>
/// Writes the kit's multiple-choice model: a decoder with a key/value cache in the layout ONNX Runtime GenAI feeds a
/// "llama"-type decoder (the same inputs and outputs as <see cref="StatusDecoderGraph"/>). Its weights are set, not
/// trained. Each token's cache row holds what it is (an option letter, the answer's opening, a target's cue word, a
/// drug and the targets the model associates it with); every step re-reads the rows with cumulative sums, so the
/// prompt and each generated token are treated alike:
/// <list type="bullet">
/// <item>the letters before the answer split the prompt into option segments (A's line, B's line…), in order;</item>
/// <item>an option scores the drugs on its line that the model associates with the target the question names;
/// options scoring above ½ are the model's answer (none: it answers the best-scoring, A on a tie);</item>
/// <item>after <c>["</c> or <c> "</c> the next letter not yet written is chosen; after a letter, <c>",</c> if one
/// remains, else <c>"]</c>; then end of text.</item>
/// </list>
/// It knows some drugs wrongly or not at all (<see cref="McqConcept.ModelKnows"/>) and reads no negation, so its
/// answers are imperfect by design.
/// </summary>
public static class McqDecoderGraph
{
    private const int Letters = 5;
    private const float Decisive = 10f;
    private const float EndLogit = 10f;

    /// <summary>Size of one cache row: 5 letters, the answer's opening, one cue per target, one association per target.</summary>
    public static int HeadSize(McqVocabulary v) => Letters + 1 + (2 * v.Concepts);

    public static ModelProto Build(McqVocabulary v, string producerVersion)
    {
        ArgumentNullException.ThrowIfNull(v);
        int vocab = v.Bpe.Tokens.Count, head = HeadSize(v), k = v.Concepts;
        var graph = new GraphProto { Name = "partages_mcq_decoder" };
        AddTokenInputs(graph, StatusDecoderGraph.InputIds, StatusDecoderGraph.AttentionMask, "batch_size", "sequence_length");
        graph.Input.Add(TensorValue(StatusDecoderGraph.PastKey, TensorProto.Types.DataType.Float, Dim("batch_size"), Dim(1), Dim("past_sequence_length"), Dim(head)));
        graph.Input.Add(TensorValue(StatusDecoderGraph.PastValue, TensorProto.Types.DataType.Float, Dim("batch_size"), Dim(1), Dim("past_sequence_length"), Dim(head)));
        graph.Output.Add(TensorValue(StatusDecoderGraph.Logits, TensorProto.Types.DataType.Float, Dim("batch_size"), Dim("sequence_length"), Dim(vocab)));
        graph.Output.Add(TensorValue(StatusDecoderGraph.PresentKey, TensorProto.Types.DataType.Float, Dim("batch_size"), Dim(1), Dim("total_sequence_length"), Dim(head)));
        graph.Output.Add(TensorValue(StatusDecoderGraph.PresentValue, TensorProto.Types.DataType.Float, Dim("batch_size"), Dim(1), Dim("total_sequence_length"), Dim(head)));
        AddTables(graph, v, vocab, head, k);
        AddCacheNodes(graph);
        AddScoreNodes(graph);
        AddOutputNodes(graph);
        const string doc = "Hand-set multiple-choice answerer for fictional French medical questions (ONNX Runtime GenAI decoder). Not for clinical use.";
        return Model(graph, producerVersion, doc, McqCatalogue.Letters);
    }

    private static void AddTables(GraphProto graph, McqVocabulary v, int vocab, int head, int k)
    {
        var features = new float[vocab * head];
        for (var l = 0; l < Letters; l++)
        {
            features[(v.LetterTokens[l] * head) + l] = 1f;
        }

        features[(v.Open * head) + Letters] = 1f;
        foreach (var (token, concept) in v.CueTokens)
        {
            features[(token * head) + Letters + 1 + concept] = 1f;
        }

        foreach (var (token, concept) in v.KnownTokens)
        {
            features[(token * head) + Letters + 1 + k + concept] = 1f;
        }

        // seg = cumulative markers × D: a token is on letter L's line when L's marker is behind it and L+1's is not.
        var segment = new float[Letters * Letters];
        for (var l = 0; l < Letters; l++)
        {
            segment[(l * Letters) + l] = 1f;
            if (l + 1 < Letters)
            {
                segment[((l + 1) * Letters) + l] = -1f;
            }
        }

        var letterScatter = new float[Letters * vocab];
        var letterBias = new float[Letters];
        var openGate = new float[vocab];
        var letterGate = new float[vocab];
        for (var l = 0; l < Letters; l++)
        {
            letterScatter[(l * vocab) + v.LetterTokens[l]] = 1f;
            // Above every other token (logit 0) even when no option scores; earlier letters first on a tie.
            letterBias[l] = 1f - (0.01f * l);
            letterGate[v.LetterTokens[l]] = 1f;
        }

        openGate[v.Open] = 1f;
        openGate[v.Space] = 1f;
        var goOn = new float[vocab];
        goOn[v.Next] = Decisive;
        var choiceBase = new float[vocab];
        choiceBase[v.Next] = 2f;
        choiceBase[v.Close] = 6f;

        var bigram = new float[vocab * vocab];
        var silent = new HashSet<int>(v.LetterTokens) { v.Open, v.Space };
        for (var t = 0; t < vocab; t++)
        {
            if (!silent.Contains(t))
            {
                bigram[(t * vocab) + v.Bpe.EndOfTextId] = EndLogit;
            }
        }

        bigram[(v.Next * vocab) + v.Bpe.EndOfTextId] = 0f;
        bigram[(v.Next * vocab) + v.Space] = Decisive;

        graph.Initializer.Add(FloatTensor("feature_table", features, vocab, head));
        graph.Initializer.Add(FloatTensor("segment_matrix", segment, Letters, Letters));
        graph.Initializer.Add(FloatTensor("letter_scatter", letterScatter, Letters, vocab));
        graph.Initializer.Add(FloatTensor("letter_bias", letterBias, Letters));
        graph.Initializer.Add(FloatTensor("open_gate", openGate, vocab, 1));
        graph.Initializer.Add(FloatTensor("letter_gate", letterGate, vocab, 1));
        graph.Initializer.Add(FloatTensor("go_on_row", goOn, vocab));
        graph.Initializer.Add(FloatTensor("choice_base_row", choiceBase, vocab));
        graph.Initializer.Add(FloatTensor("bigram_table", bigram, vocab, vocab));
        graph.Initializer.Add(FloatTensor("one", [1f]));
        graph.Initializer.Add(FloatTensor("half", [0.5f]));
        graph.Initializer.Add(FloatTensor("decisive", [Decisive]));
        graph.Initializer.Add(Int64Tensor("time_axis", [1]));
        graph.Initializer.Add(Int64Tensor("axis_1", [1], 1));
        graph.Initializer.Add(Int64Tensor("axis_2", [2], 1));
        graph.Initializer.Add(Int64Tensor("index_1", [1], 1));
        graph.Initializer.Add(Int64Tensor("index_2", [2], 1));
        graph.Initializer.Add(Int64Tensor("slice_to_end", [long.MaxValue], 1));
        foreach (var (name, start, end) in new[] { ("letters", 0, Letters), ("opening", Letters, Letters + 1), ("cues", Letters + 1, Letters + 1 + k), ("known", Letters + 1 + k, Letters + 1 + (2 * k)) })
        {
            graph.Initializer.Add(Int64Tensor(name + "_start", [start], 1));
            graph.Initializer.Add(Int64Tensor(name + "_end", [end], 1));
        }
    }

    /// <summary>The cache: each new token's row appended to the past (key and value alike), and the whole sequence's rows split by role.</summary>
    private static void AddCacheNodes(GraphProto graph)
    {
        graph.Node.Add(Node("Gather", ["feature_table", StatusDecoderGraph.InputIds], "new_rows", Int("axis", 0)));
        graph.Node.Add(Node("Unsqueeze", ["new_rows", "axis_1"], "new_rows4"));
        graph.Node.Add(Node("Concat", [StatusDecoderGraph.PastKey, "new_rows4"], StatusDecoderGraph.PresentKey, Int("axis", 2)));
        graph.Node.Add(Node("Concat", [StatusDecoderGraph.PastValue, "new_rows4"], StatusDecoderGraph.PresentValue, Int("axis", 2)));
        graph.Node.Add(Node("Squeeze", [StatusDecoderGraph.PresentValue, "axis_1"], "rows"));
        foreach (var name in new[] { "letters", "opening", "cues", "known" })
        {
            graph.Node.Add(Node("Slice", ["rows", name + "_start", name + "_end", "axis_2"], name));
        }
    }

    /// <summary>Per position: inside the answer or not, the option segments, the question's targets, each option's score, the letters still to write.</summary>
    private static void AddScoreNodes(GraphProto graph)
    {
        graph.Node.Add(Node("CumSum", ["opening", "time_axis"], "opened"));
        graph.Node.Add(Node("Min", ["opened", "one"], "in_answer"));
        graph.Node.Add(Node("Sub", ["one", "in_answer"], "in_prompt"));

        graph.Node.Add(Node("Mul", ["letters", "in_prompt"], "markers"));
        graph.Node.Add(Node("CumSum", ["markers", "time_axis"], "markers_seen"));
        graph.Node.Add(Node("Min", ["markers_seen", "one"], "markers_seen1"));
        graph.Node.Add(Node("MatMul", ["markers_seen1", "segment_matrix"], "segment"));

        graph.Node.Add(Node("Mul", ["cues", "in_prompt"], "prompt_cues"));
        graph.Node.Add(Node("CumSum", ["prompt_cues", "time_axis"], "targets"));
        graph.Node.Add(Node("Mul", ["known", "targets"], "related_by_target"));
        graph.Node.Add(Node("ReduceSum", ["related_by_target", "axis_2"], "related", KeepDims(1)));
        graph.Node.Add(Node("Mul", ["segment", "related"], "option_evidence"));
        graph.Node.Add(Node("CumSum", ["option_evidence", "time_axis"], "scores"));
        graph.Node.Add(Node("Greater", ["scores", "half"], "chosen_bool"));
        graph.Node.Add(Node("Cast", ["chosen_bool"], "chosen", Int("to", (long)TensorProto.Types.DataType.Float)));

        graph.Node.Add(Node("Mul", ["letters", "in_answer"], "written_letters"));
        graph.Node.Add(Node("CumSum", ["written_letters", "time_axis"], "written"));
        graph.Node.Add(Node("Min", ["written", "one"], "written1"));
        graph.Node.Add(Node("Sub", ["one", "written1"], "unwritten"));
        graph.Node.Add(Node("Mul", ["chosen", "unwritten"], "remaining"));
        graph.Node.Add(Node("Mul", ["remaining", "decisive"], "remaining_logits"));
        graph.Node.Add(Node("Add", ["remaining_logits", "scores"], "letter_scores0"));
        graph.Node.Add(Node("Add", ["letter_scores0", "letter_bias"], "letter_scores"));
        graph.Node.Add(Node("ReduceSum", ["remaining", "axis_2"], "remaining_count", KeepDims(1)));
        graph.Node.Add(Node("Min", ["remaining_count", "one"], "any_remaining"));
    }

    /// <summary>The logits of the current tokens only (the last sequence_length positions), each gated by what the token is.</summary>
    private static void AddOutputNodes(GraphProto graph)
    {
        graph.Node.Add(Node("Shape", [StatusDecoderGraph.InputIds], "ids_shape"));
        graph.Node.Add(Node("Slice", ["ids_shape", "index_1", "index_2"], "sequence_length"));
        graph.Node.Add(Node("Neg", ["sequence_length"], "minus_sequence_length"));
        foreach (var name in new[] { "letter_scores", "any_remaining", "in_answer" })
        {
            graph.Node.Add(Node("Slice", [name, "minus_sequence_length", "slice_to_end", "axis_1"], name + "_now"));
        }

        graph.Node.Add(Node("MatMul", ["letter_scores_now", "letter_scatter"], "letter_logits"));
        graph.Node.Add(Node("Gather", ["open_gate", StatusDecoderGraph.InputIds], "at_opening", Int("axis", 0)));
        graph.Node.Add(Node("Mul", ["at_opening", "letter_logits"], "gated_letters"));

        graph.Node.Add(Node("Mul", ["any_remaining_now", "go_on_row"], "go_on"));
        graph.Node.Add(Node("Add", ["go_on", "choice_base_row"], "choice_logits"));
        graph.Node.Add(Node("Gather", ["letter_gate", StatusDecoderGraph.InputIds], "at_letter", Int("axis", 0)));
        graph.Node.Add(Node("Mul", ["at_letter", "in_answer_now"], "at_answer_letter"));
        graph.Node.Add(Node("Mul", ["at_answer_letter", "choice_logits"], "gated_choice"));

        graph.Node.Add(Node("Gather", ["bigram_table", StatusDecoderGraph.InputIds], "bigram", Int("axis", 0)));
        graph.Node.Add(Node("Add", ["bigram", "gated_letters"], "with_letters"));
        graph.Node.Add(Node("Add", ["with_letters", "gated_choice"], StatusDecoderGraph.Logits));
    }
}
