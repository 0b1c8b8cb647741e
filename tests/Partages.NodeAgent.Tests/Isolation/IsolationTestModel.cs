using Onnx;
using Partages.ModelKit.Onnx;
using Partages.Evaluation.Specs;
using Partages.ModelKit.Bundles;
using static Partages.ModelKit.Onnx.OnnxProtos;

namespace Partages.NodeAgent.Tests.Isolation;

/// <summary>What the graph does besides classifying.</summary>
public enum GraphBehaviour
{
    /// <summary>Classifies and nothing else.</summary>
    Normal,

    /// <summary>
    /// Also fills a float tensor of [batch, <see cref="IsolationTestModel.HogFloatsPerRow"/>] (512 MiB a row) whose sum,
    /// times 0, is added to the logits: its shape comes from the input, so ONNX Runtime can only allocate it when run.
    /// Without a memory limit the run succeeds, with the same predictions.
    /// </summary>
    AllocatesPastLimit,

    /// <summary>Also runs an ONNX Loop of 10^15 iterations (one Add each) before the logits: hours, then more.</summary>
    LoopsForever,

    /// <summary>As <see cref="AllocatesPastLimit"/>, but only for a batch holding <see cref="IsolationTestModel.Trigger"/>: one report exhausts memory.</summary>
    AllocatesOnTrigger,

    /// <summary>As <see cref="LoopsForever"/>, but only for a batch holding <see cref="IsolationTestModel.Trigger"/>: one report makes its batch endless.</summary>
    LoopsOnTrigger,
}

/// <summary>
/// A real bundle for the isolation tests: a WordPiece vocabulary and a graph where the token "blse" votes for class
/// "BLSE" (weight 1) against a 0.5 bias for "sensible", so each prediction is known by hand.
/// </summary>
public static class IsolationTestModel
{
    /// <summary>128 Mi floats: 512 MiB per row of the batch.</summary>
    public const long HogFloatsPerRow = 128L * 1024 * 1024;

    /// <summary>The word that makes the <c>…OnTrigger</c> graphs misbehave; the others ignore it.</summary>
    public const string Trigger = "panne";

    public static readonly string[] Vocabulary =
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "la", "souche", "est", "sensible", "blse", "resistante", Trigger];

    public static readonly string[] Labels = ["sensible", "BLSE"];

    public static EvaluationSpec Spec { get; } = new()
    {
        Name = "isolation-test",
        Task = TaskTypes.SingleLabelClassification,
        Dataset = "reports",
        Labels = ["BLSE", "sensible"],
    };

    public static ModelManifest Manifest { get; } = new()
    {
        Name = "isolation-keyword",
        Task = TaskTypes.SingleLabelClassification,
        Labels = Labels,
        MaxLength = 16,
        Tokenizer = new TokenizerSpec(),
    };

    /// <summary>Six reports: four predicted right, one BLSE missed, one sensible taken for BLSE.</summary>
    public static string[] Reports { get; } =
    [
        Line("d1", "la souche est sensible", "sensible"),
        Line("d2", "souche sensible", "sensible"),
        Line("d3", "souche blse", "BLSE"),
        Line("d4", "la souche est resistante blse", "BLSE"),
        Line("d5", "souche resistante", "BLSE"),
        Line("d6", "blse sensible", "sensible"),
    ];

    /// <summary>Writes the bundle and the dataset into <paramref name="directory"/> and returns the job.</summary>
    public static EvaluationJob WriteJob(string directory, GraphBehaviour behaviour, IReadOnlyList<string>? reports = null, EvaluationSpec? spec = null)
    {
        var bundlePath = Path.Combine(directory, $"bundle-{behaviour}.zip");
        if (!File.Exists(bundlePath))
        {
            WriteBundle(bundlePath, behaviour);
        }

        var datasetPath = Path.Combine(directory, $"reports-{Guid.NewGuid():N}.jsonl");
        File.WriteAllLines(datasetPath, reports ?? Reports);
        return new EvaluationJob(bundlePath, spec ?? Spec, new DatasetDefinition("reports", datasetPath, "jsonl"));
    }

    /// <summary>A report holding <see cref="Trigger"/>; without a trigger graph it is predicted "sensible", as gold says.</summary>
    public static string TriggerReport(string id) => Line(id, "souche " + Trigger, "sensible");

    private static string Line(string id, string text, string label) =>
        $$"""{"id":"{{id}}","text":"{{text}}","label":"{{label}}"}""";

    private static void WriteBundle(string path, GraphBehaviour behaviour) =>
        File.WriteAllBytes(path, ModelBundle.Pack(Manifest, Graph(behaviour).ToByteArray(), Encoding.UTF8.GetBytes(string.Join('\n', Vocabulary) + "\n")));

    /// <summary><c>logits = ReduceMax(Gather(table, ids) * mask, axis 1) + bias [+ 0 * hog]</c>.</summary>
    private static ModelProto Graph(GraphBehaviour behaviour)
    {
        var table = new float[Vocabulary.Length * Labels.Length];
        table[(Array.IndexOf(Vocabulary, "blse") * Labels.Length) + 1] = 1f;

        var graph = new GraphProto { Name = "isolation_keyword_" + behaviour };
        graph.Initializer.Add(FloatTensor("table", table, Vocabulary.Length, Labels.Length));
        graph.Initializer.Add(FloatTensor("bias", [0.5f, 0f], Labels.Length));
        graph.Initializer.Add(Int64Tensor("axis2", [2], 1));
        graph.Initializer.Add(FloatTensor("zero", [0f]));
        AddTokenInputs(graph, "input_ids", "attention_mask", "batch", "sequence");

        graph.Node.Add(Node("Gather", ["table", "input_ids"], "embedded", Int("axis", 0)));
        graph.Node.Add(Node("Cast", ["attention_mask"], "mask_float", Int("to", (long)TensorProto.Types.DataType.Float)));
        graph.Node.Add(Node("Unsqueeze", ["mask_float", "axis2"], "mask3"));
        graph.Node.Add(Node("Mul", ["embedded", "mask3"], "masked"));
        graph.Node.Add(Node("ReduceMax", ["masked"], "pooled", Ints("axes", 1), Int("keepdims", 0)));
        var scored = behaviour == GraphBehaviour.Normal ? "logits" : "scored";
        graph.Node.Add(Node("Add", ["pooled", "bias"], scored));

        var onTrigger = behaviour is GraphBehaviour.AllocatesOnTrigger or GraphBehaviour.LoopsOnTrigger;
        if (onTrigger)
        {
            // triggered: 1 when the batch holds the trigger token, else 0 (int64 scalar).
            graph.Initializer.Add(Int64Tensor("trigger_id", [Array.IndexOf(Vocabulary, Trigger)]));
            graph.Node.Add(Node("Equal", ["input_ids", "trigger_id"], "is_trigger"));
            graph.Node.Add(Node("Cast", ["is_trigger"], "is_trigger_int", Int("to", (long)TensorProto.Types.DataType.Int64)));
            graph.Node.Add(Node("ReduceMax", ["is_trigger_int"], "triggered", Int("keepdims", 0)));
        }

        if (behaviour is GraphBehaviour.AllocatesPastLimit or GraphBehaviour.AllocatesOnTrigger)
        {
            // [batch, HogFloatsPerRow] of ones, from the input's batch size ([batch, 1] for an untriggered batch).
            graph.Initializer.Add(Int64Tensor("index0", [0], 1));
            graph.Initializer.Add(Int64Tensor("hog_full", [HogFloatsPerRow], 1));
            if (onTrigger)
            {
                graph.Initializer.Add(Int64Tensor("one_int", [1], 1));
                graph.Node.Add(Node("Mul", ["hog_full", "triggered"], "hog_scaled"));
                graph.Node.Add(Node("Max", ["hog_scaled", "one_int"], "hog_row"));
            }
            else
            {
                graph.Node.Add(Node("Identity", ["hog_full"], "hog_row"));
            }

            graph.Initializer.Add(Int64Tensor("axis1", [1], 1));
            graph.Node.Add(Node("Shape", ["input_ids"], "ids_shape"));
            graph.Node.Add(Node("Gather", ["ids_shape", "index0"], "batch", Int("axis", 0)));
            graph.Node.Add(Node("Concat", ["batch", "hog_row"], "hog_shape", Int("axis", 0)));
            graph.Node.Add(Node("ConstantOfShape", ["hog_shape"], "hog", Tensor("value", FloatTensor("one", [1f], 1))));
            graph.Node.Add(Node("ReduceSum", ["hog", "axis1"], "hog_sum", Int("keepdims", 1)));
            graph.Node.Add(Node("Mul", ["hog_sum", "zero"], "hog_zero"));
            graph.Node.Add(Node("Add", [scored, "hog_zero"], "logits"));
        }
        else if (behaviour is GraphBehaviour.LoopsForever or GraphBehaviour.LoopsOnTrigger)
        {
            graph.Initializer.Add(Int64Tensor(onTrigger ? "trip_full" : "trip_count", [1_000_000_000_000_000]));
            if (onTrigger)
            {
                graph.Node.Add(Node("Mul", ["trip_full", "triggered"], "trip_count"));
            }

            graph.Initializer.Add(BoolTensor("keep_going", true));
            graph.Initializer.Add(FloatTensor("one", [1f]));
            // The loop's start depends on the input, so nothing about it can be folded when the session is built.
            graph.Node.Add(Node("ReduceSum", ["mask_float"], "start", Int("keepdims", 0)));
            graph.Node.Add(Node("Loop", ["trip_count", "keep_going", "start"], "counted", OnnxProtos.Graph("body", LoopBody())));
            graph.Node.Add(Node("Mul", ["counted", "zero"], "loop_zero"));
            graph.Node.Add(Node("Add", [scored, "loop_zero"], "logits"));
        }

        graph.Output.Add(TensorValue("logits", TensorProto.Types.DataType.Float, Dim("batch"), Dim(Labels.Length)));

        var model = new ModelProto { IrVersion = 7, ProducerName = "Partages.NodeAgent.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model;
    }

    /// <summary>(iteration, condition, counter) → (condition, counter + 1).</summary>
    private static GraphProto LoopBody()
    {
        var body = new GraphProto { Name = "count" };
        body.Input.Add(TensorValue("iteration", TensorProto.Types.DataType.Int64));
        body.Input.Add(TensorValue("condition_in", TensorProto.Types.DataType.Bool));
        body.Input.Add(TensorValue("counter_in", TensorProto.Types.DataType.Float));
        body.Node.Add(Node("Identity", ["condition_in"], "condition_out"));
        body.Node.Add(Node("Add", ["counter_in", "one"], "counter_out"));
        body.Output.Add(TensorValue("condition_out", TensorProto.Types.DataType.Bool));
        body.Output.Add(TensorValue("counter_out", TensorProto.Types.DataType.Float));
        return body;
    }
}
