using Partages.NodeAgent.Engine.LocalMode;

namespace Partages.NodeAgent.Engine.Tests.GenerativeExtraction;

/// <summary>Local mode's predictions of a generative run, kept in memory: each report's generated output and outcome.</summary>
internal sealed class CollectingSink : IPredictionSink
{
    public List<GenerationPrediction> Lines { get; } = [];

    public void Write(DocumentPrediction prediction) => throw new NotSupportedException();

    public void Write(GenerationPrediction prediction) => Lines.Add(prediction);
}
