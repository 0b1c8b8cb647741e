using Google.Protobuf;
using Partages.ModelKit.Generative;

namespace Partages.ModelKit.MultipleChoice;

/// <summary>What <see cref="McqModelBuilder.Build"/> wrote: an ONNX Runtime GenAI model folder.</summary>
public sealed record McqModel(string Directory, McqVocabulary Vocabulary)
{
    public int EndOfTextId => Vocabulary.Bpe.EndOfTextId;
}

/// <summary>
/// Builds the kit's multiple-choice model folder as ONNX Runtime GenAI loads it, the same layout as the kit's status
/// extractor (<see cref="GenerativeModelBuilder"/>): <c>genai_config.json</c>, <c>model.onnx</c>
/// (<see cref="McqDecoderGraph"/>), <c>tokenizer.json</c>, <c>tokenizer_config.json</c>.
/// </summary>
public static class McqModelBuilder
{
    public const string ProducerVersion = "1";

    public static McqModel Build(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        System.IO.Directory.CreateDirectory(directory);
        var vocabulary = McqVocabulary.Build();
        var model = McqDecoderGraph.Build(vocabulary, ProducerVersion);
        File.WriteAllBytes(Path.Combine(directory, GenerativeModelBuilder.ModelFileName), model.ToByteArray());
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), vocabulary.Bpe.TokenizerJson());
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), ByteLevelBpe.TokenizerConfigJson(GenerativeModelBuilder.ContextLength));
        File.WriteAllText(Path.Combine(directory, "genai_config.json"), GenerativeModelBuilder.GenAiConfig(McqDecoderGraph.HeadSize(vocabulary), vocabulary.Bpe));
        return new McqModel(directory, vocabulary);
    }
}
