using System.IO.Compression;
using Onnx;

namespace Partages.NodeAgent.Tests.Admission;

/// <summary>Tiny model bundles written in the test: a manifest, a vocabulary and an ONNX graph built with OnnxSharp.</summary>
public static class TestBundles
{
    private const string Manifest = """{"name":"trust-test","task":"single_label_classification","labels":["sensible","BLSE"],"tokenizer":{"kind":"bert_wordpiece","vocab":"vocab.txt"}}""";

    /// <summary>A graph of one node: Identity (standard) or, with <paramref name="customDomain"/>, an operator from that domain.</summary>
    public static byte[] Graph(string? customDomain = null, bool customInSubgraph = false)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "partages-tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        var graph = new GraphProto { Name = "g" };
        graph.Input.Add(Value("x"));
        graph.Output.Add(Value("y"));
        if (customDomain is null)
        {
            graph.Node.Add(Node("identity", "Identity", "", "x", "y"));
        }
        else
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = customDomain, Version = 1 });
            var custom = Node("custom", "FastGelu", customDomain, "x", "y");
            if (customInSubgraph)
            {
                // The custom node hides in an If branch: the check must walk subgraphs too.
                var branch = new GraphProto { Name = "branch" };
                branch.Node.Add(Node("hidden", "FastGelu", customDomain, "x", "y_branch"));
                branch.Output.Add(Value("y_branch"));
                var condition = Node("if", "If", "", "x", "y");
                condition.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = branch });
                condition.Attribute.Add(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = branch });
                graph.Node.Add(condition);
                model.OpsetImport.RemoveAt(1);
            }
            else
            {
                graph.Node.Add(custom);
            }
        }

        model.Graph = graph;
        return model.ToByteArray();
    }

    /// <summary>Writes a bundle zip holding <paramref name="graph"/> and returns its path.</summary>
    public static string Write(string path, byte[] graph)
    {
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            Add(zip, "manifest.json", System.Text.Encoding.UTF8.GetBytes(Manifest));
            Add(zip, "model.onnx", graph);
            Add(zip, "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nblse\n"u8.ToArray());
        }

        return path;
    }

    private static void Add(ZipArchive zip, string name, byte[] content)
    {
        using var stream = zip.CreateEntry(name).Open();
        stream.Write(content);
    }

    private static NodeProto Node(string name, string op, string domain, string input, string output)
    {
        var node = new NodeProto { Name = name, OpType = op, Domain = domain };
        node.Input.Add(input);
        node.Output.Add(output);
        return node;
    }

    private static ValueInfoProto Value(string name) => new()
    {
        Name = name,
        Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
    };
}
