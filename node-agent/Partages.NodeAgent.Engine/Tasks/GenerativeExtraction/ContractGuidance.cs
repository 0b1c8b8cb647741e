using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.NodeAgent.Engine.Generation;

namespace Partages.NodeAgent.Engine.Tasks.GenerativeExtraction;

/// <summary>
/// The output contract as ONNX Runtime GenAI enforces it: the contract's canonical answers as a grammar, less the
/// output prefix the prompt already holds, written as guidance's regex (<see cref="OutputGrammar"/>). Each generation
/// also follows the written bytes against the contract (<see cref="ICanonicalLayout.IsComplete"/>) so the loop stops
/// at the complete answer.
/// </summary>
internal sealed class ContractGuidance
{
    private readonly ICanonicalLayout _contract;
    private readonly byte[] _prefix;

    /// <exception cref="EvaluationRefusedException">No answer of the contract begins with the output prefix.</exception>
    public ContractGuidance(ICanonicalLayout contract, OutputGrammar answers, string prefix)
    {
        _contract = contract;
        _prefix = System.Text.Encoding.UTF8.GetBytes(prefix);
        var rest = answers.After(prefix)
            ?? throw new EvaluationRefusedException("generation.output_prefix does not begin an answer of the output contract (docs/generative.md)");
        Regex = rest.ToRegex();
    }

    /// <summary>What the model must write after the prefix, as a regex.</summary>
    public string Regex { get; }

    /// <summary>The grammar of generative extraction's answers: <c>{"F1": "v1", "F2": "v2"}</c>, each value one the field allows.</summary>
    public static OutputGrammar Of(OutputContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var parts = new List<OutputGrammar>();
        for (var i = 0; i < contract.Fields.Count; i++)
        {
            var field = contract.Fields[i];
            parts.Add(OutputGrammar.Text((i == 0 ? "{\"" : "\", \"") + field.Name + "\": \""));
            parts.Add(OutputGrammar.OneOf(field.Values.Select(OutputGrammar.Text))!);
        }

        parts.Add(OutputGrammar.Text("\"}"));
        return OutputGrammar.Sequence([.. parts]);
    }

    /// <summary>A fresh guidance for one generation, following its bytes against the contract.</summary>
    public GuidedOutput ForGeneration(byte[][] tokenBytes)
    {
        var output = new List<byte>(_prefix);
        return new GuidedOutput(GuidedOutput.Regex, Regex, token =>
        {
            if (token >= 0 && token < tokenBytes.Length)
            {
                output.AddRange(tokenBytes[token]);
            }

            return _contract.IsComplete(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(output));
        });
    }

    /// <summary>
    /// Refuses, before any document, a guidance ONNX Runtime GenAI cannot enforce: a native library without guidance
    /// compiled in, or a grammar llguidance rejects.
    /// </summary>
    public void CheckEnforceable(GuidedGenerator generator, byte[][] tokenBytes)
    {
        try
        {
            generator.CheckGuidance(ForGeneration(tokenBytes), promptTokens: 1);
        }
        catch (InvalidOperationException ex)
        {
            throw new EvaluationRefusedException("ONNX Runtime GenAI cannot enforce the output contract as guidance: " + ex.Message, ex);
        }
    }
}
