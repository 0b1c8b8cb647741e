using Microsoft.ML.OnnxRuntimeGenAI;

namespace Partages.ModelKit.Generative;

/// <summary>
/// ONNX Runtime GenAI's own greedy loop, the reference every check of the kit's model and of the engine's loop
/// compares with: <c>GeneratorParams</c> with <c>max_length</c> = prompt + budget, <c>AppendTokens</c>, then
/// <c>GenerateNextToken</c> until <c>IsDone</c>.
/// </summary>
public static class GenAiGreedy
{
    /// <summary>
    /// The new tokens after <paramref name="prompt"/>. GenAI 0.20.0 stops on an end-of-text token without keeping it
    /// in the sequence; it is removed here too in case a version keeps it.
    /// </summary>
    public static int[] Generate(Model model, int[] prompt, int maxNewTokens, IReadOnlyCollection<int> endOfText)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(endOfText);
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + maxNewTokens);
        parameters.SetSearchOption("do_sample", false);
        using var generator = new Generator(model, parameters);
        generator.AppendTokens(prompt);
        while (!generator.IsDone())
        {
            generator.GenerateNextToken();
        }

        return generator.GetSequence(0)[prompt.Length..].ToArray().Where(t => !endOfText.Contains(t)).ToArray();
    }
}
