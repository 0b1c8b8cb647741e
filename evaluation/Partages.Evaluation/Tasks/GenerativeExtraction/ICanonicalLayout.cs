namespace Partages.Evaluation.Tasks.GenerativeExtraction;

/// <summary>
/// A generative task's output contract as the engine's constrained decoding reads it: one canonical byte layout, whose
/// prefixes are checked byte by byte (so a token holding half of an accented letter is allowed when the rest can
/// follow) and whose forced stretches are fed rather than chosen. <see cref="OutputContract"/> (generative extraction)
/// and <see cref="MultipleChoice.AnswerContract"/> (multiple-choice QA) implement it.
/// </summary>
public interface ICanonicalLayout
{
    /// <summary>Whether <paramref name="output"/> (UTF-8 bytes) begins some canonical answer, or is one.</summary>
    bool IsPrefix(ReadOnlySpan<byte> output);

    /// <summary>Whether <paramref name="output"/> is exactly a canonical answer, which nothing may follow.</summary>
    bool IsComplete(ReadOnlySpan<byte> output);

    /// <summary>The bytes every canonical answer continuing <paramref name="output"/> writes next, up to the next choice; empty where the model chooses.</summary>
    byte[] ForcedLiteral(ReadOnlySpan<byte> output);
}
