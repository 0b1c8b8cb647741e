using System.Text;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.NodeAgent.Engine.Generation;

namespace Partages.NodeAgent.Engine.Tasks.GenerativeExtraction;

/// <summary>
/// Builds each prompt: the template filled with the report (or a question's parts), then the output prefix, encoded.
/// The truncation rule (docs/generative.md): when the prompt and the token budget do not fit the model's context, the
/// cuttable text (the report; a question's context) keeps its head — its last tokens are dropped (and a character cut
/// in half with them) until the prompt fits — and the document is counted as truncated. A template that does not fit
/// even with every placeholder empty refuses the job before any document.
/// </summary>
internal sealed class PromptBuilder
{
    private readonly ByteLevelTokenizer _tokenizer;
    private readonly string _template;
    private readonly string _prefix;
    private readonly int _maxPromptTokens;

    public PromptBuilder(ByteLevelTokenizer tokenizer, string template, string outputPrefix, int maxPromptTokens)
    {
        _tokenizer = tokenizer;
        _template = template;
        _prefix = outputPrefix;
        _maxPromptTokens = maxPromptTokens;
        var empty = _tokenizer.Encode(PromptTemplate.Blank(template) + outputPrefix).Count;
        if (empty > maxPromptTokens)
        {
            throw new EvaluationRefusedException(
                $"the prompt template alone takes {empty} tokens, more than the {maxPromptTokens} the model's context leaves beside max_new_tokens");
        }
    }

    /// <summary>The prompt's ids, and whether the report had to be truncated.</summary>
    public (List<int> Prompt, bool Truncated) Build(string report) => Build(report, r => PromptTemplate.Fill(_template, r));

    /// <summary>
    /// The prompt <paramref name="fill"/> makes of <paramref name="cuttable"/>, and whether that text had to be cut. When
    /// even an empty cuttable text does not fit, the prompt comes back too long: generation then ends at once as
    /// <c>context_full</c>, counted.
    /// </summary>
    public (List<int> Prompt, bool Truncated) Build(string cuttable, Func<string, string> fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        List<int> Encode(string text) => _tokenizer.Encode(fill(text) + _prefix);
        var report = cuttable;
        var prompt = Encode(report);
        if (prompt.Count <= _maxPromptTokens)
        {
            return (prompt, false);
        }

        var reportIds = _tokenizer.Encode(report);
        var keep = Math.Max(0, reportIds.Count - (prompt.Count - _maxPromptTokens));
        while (true)
        {
            // Re-encoding the cut text can merge differently at the seams: cut one more token until it fits.
            var head = Utf8Head(_tokenizer.Bytes(reportIds.Take(keep)));
            prompt = Encode(head);
            if (prompt.Count <= _maxPromptTokens || keep == 0)
            {
                return (prompt, keep < reportIds.Count);
            }

            keep--;
        }
    }

    /// <summary>The bytes as text, without a trailing character cut in half.</summary>
    private static string Utf8Head(byte[] bytes)
    {
        var length = bytes.Length;
        while (length > 0)
        {
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, length);
            }
            catch (DecoderFallbackException)
            {
                length--;
            }
        }

        return string.Empty;
    }
}
