using Microsoft.ML.OnnxRuntimeGenAI;

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
        using var sequences = _tokenizer.Encode(prompt);
        var promptLength = sequences[0].Length;
        using var parameters = new GeneratorParams(_model);
        parameters.SetSearchOption("max_length", promptLength + maxNewTokens);
        parameters.SetSearchOption("do_sample", false);
        using var generator = new Generator(_model, parameters);
        generator.AppendTokenSequences(sequences);
        while (!generator.IsDone())
        {
            generator.GenerateNextToken();
        }

        // GenAI 0.20.0 stops on the end-of-text token without keeping it in the sequence; a model that never writes it
        // is stopped by max_length with every budgeted token generated.
        var output = generator.GetSequence(0)[promptLength..].ToArray();
        var budgetSpent = output.Length >= maxNewTokens && output[^1] != _endOfText;
        var text = _tokenizer.Decode(output.Where(t => t != _endOfText).ToArray());
        return new Generated(text, output.Length, budgetSpent ? GenerationEnd.TokenBudget : GenerationEnd.EndOfText);
    }

    public void Dispose()
    {
        _tokenizer.Dispose();
        _model.Dispose();
    }
}
