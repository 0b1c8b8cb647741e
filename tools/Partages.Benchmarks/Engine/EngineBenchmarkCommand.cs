using System.CommandLine;

namespace Partages.Benchmarks.Engine;

/// <summary>`engine`: the evaluation engine end to end against plain ONNX Runtime on a BERT-size model.</summary>
internal static class EngineBenchmarkCommand
{
    public static Command Create()
    {
        var command = new Command("engine", "Evaluation engine throughput and peak memory against plain ONNX Runtime (all-MiniLM-L6-v2 + a classification head).");
        command.SetAction(int (_) => throw new NotImplementedException("engine benchmark: being written"));
        return command;
    }
}
