using Partages.NodeAgent.Engine.Generation;

namespace Partages.NodeAgent.Engine.Tasks.MultipleChoice;

/// <summary>The grammar of a multiple-choice answer: <c>["A", "C"]</c>, at least one offered letter, each once, in alphabetical order.</summary>
internal static class AnswerGrammar
{
    /// <summary>
    /// One branch per first letter, then each later letter optional in order: every sorted non-empty subset, in a
    /// grammar that grows with the square of the letters (not with their subsets).
    /// </summary>
    public static OutputGrammar Of(IEnumerable<string> offered)
    {
        var letters = offered.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var first = letters.Select((letter, i) => OutputGrammar.Sequence(
            [OutputGrammar.Text(letter), .. letters.Skip(i + 1).Select(later => OutputGrammar.Optional(OutputGrammar.Text("\", \"" + later)))]));
        return OutputGrammar.Sequence(OutputGrammar.Text("[\""), OutputGrammar.OneOf(first)!, OutputGrammar.Text("\"]"));
    }
}
