using Microsoft.ML.OnnxRuntimeGenAI;
using Partages.ModelKit.Generative;

namespace Partages.ModelKit.Tests.Generative;

/// <summary>How a generation ended: the model wrote end of text, or the token budget stopped it.</summary>
internal enum GenerationEnd
{
    EndOfText,
    TokenBudget,
}

internal sealed record Generated(string Text, int NewTokens, GenerationEnd End);

/// <summary>
/// One loaded GenAI model and tokenizer, and ONNX Runtime GenAI's own greedy loop: encode, append the prompt,
/// GenerateNextToken until IsDone, decode what follows the prompt.
/// </summary>
internal sealed class GenAiRun : IDisposable
{
    private readonly Model _model;
    private readonly Tokenizer _tokenizer;
    private readonly int _endOfText;

    public GenAiRun(string directory, int endOfText)
    {
        _model = new Model(directory);
        _tokenizer = new Tokenizer(_model);
        _endOfText = endOfText;
    }

    public int[] Encode(string text)
    {
        using var sequences = _tokenizer.Encode(text);
        return sequences[0].ToArray();
    }

    /// <param name="maxNewTokens">The token budget: GenAI's max_length is the prompt plus this.</param>
    public Generated Generate(string prompt, int maxNewTokens)
    {
        var prompted = Encode(prompt);
        var output = GenAiGreedy.Generate(_model, prompted, maxNewTokens, [_endOfText]);
        // A model that never writes end of text is stopped by max_length with every budgeted token generated.
        var end = output.Length >= maxNewTokens ? GenerationEnd.TokenBudget : GenerationEnd.EndOfText;
        return new Generated(_tokenizer.Decode(output), output.Length, end);
    }

    public void Dispose()
    {
        _tokenizer.Dispose();
        _model.Dispose();
    }
}
