using Partages.ModelKit.Determinism;
using Partages.ModelKit.Synthetic;

namespace Partages.ModelKit.MultipleChoice;

/// <summary>One fictional multiple-choice question: options A–E (one word each), the right letters.</summary>
public sealed record McqQuestionItem(string Id, string Question, IReadOnlyList<string> Options, IReadOnlySet<string> Answers, string Concept, bool Negated);

/// <summary>One target of a question (a driver alteration or a resistance phenotype) and the drugs that act on it.</summary>
/// <param name="Cue">The word the question names it by (a single word, so the kit's model reads it as one token).</param>
/// <param name="Correct">The drugs a right answer picks (each a single word).</param>
/// <param name="ModelKnows">What the kit's model associates with it: deliberately not <paramref name="Correct"/> everywhere (a drug missed, a drug wrongly added), so its answers are imperfect.</param>
public sealed record McqConcept(string Cue, bool Oncology, IReadOnlyList<string> Correct, IReadOnlyList<string> ModelKnows);

/// <summary>
/// Fictional French medical multiple-choice questions in FrenchMedMCQA's shape (five options, one or several right),
/// on targeted therapies in oncology and on antibiotics for resistant bacteria. A teaching simplification, not
/// clinical guidance: the drug lists are short on purpose. Seeded and deterministic per hospital.
/// </summary>
public static class McqCatalogue
{
    public static IReadOnlyList<string> Letters { get; } = ["A", "B", "C", "D", "E"];

    public static IReadOnlyList<McqConcept> Concepts { get; } =
    [
        new("EGFR", true, ["osimertinib", "erlotinib"], ["osimertinib", "erlotinib"]),
        new("ALK", true, ["alectinib", "lorlatinib"], ["alectinib"]),
        new("BRAF", true, ["dabrafenib", "vemurafenib"], ["dabrafenib", "vemurafenib"]),
        new("KRAS", true, ["sotorasib", "adagrasib"], ["sotorasib", "erlotinib"]),
        new("NTRK", true, ["larotrectinib", "entrectinib"], ["larotrectinib", "entrectinib"]),
        new("BLSE", false, ["imipenem", "meropenem"], ["imipenem", "meropenem", "cefotaxime"]),
        new("SARM", false, ["vancomycine", "linezolide"], ["vancomycine", "linezolide"]),
        new("EPC", false, ["colistine", "tigecycline"], ["colistine"]),
        new("ERV", false, ["daptomycine", "tedizolide"], ["daptomycine", "tedizolide"]),
    ];

    /// <summary>Wrong options that no target's right list holds, per theme.</summary>
    public static IReadOnlyList<string> OncologyDistractors { get; } = ["paclitaxel", "cisplatine", "docetaxel", "gemcitabine"];

    public static IReadOnlyList<string> AmrDistractors { get; } = ["amoxicilline", "cefotaxime", "gentamicine", "ceftriaxone"];

    /// <summary>Question openings by theme; the negated one asks for the drugs that do not act.</summary>
    public static string Ask(McqConcept concept, bool negated) => (concept.Oncology, negated) switch
    {
        (true, false) => $"Parmi les molécules suivantes, laquelle (lesquelles) cible(nt) une altération {concept.Cue} ?",
        (true, true) => $"Parmi les molécules suivantes, laquelle (lesquelles) ne cible(nt) pas une altération {concept.Cue} ?",
        (false, false) => $"Parmi les antibiotiques suivants, lequel (lesquels) reste(nt) actif(s) sur une souche {concept.Cue} ?",
        (false, true) => $"Parmi les antibiotiques suivants, lequel (lesquels) est (sont) inactif(s) sur une souche {concept.Cue} ?",
    };

    /// <summary>
    /// <paramref name="count"/> questions for <paramref name="hospital"/>: a target drawn uniformly, one or two right
    /// drugs, the other options drawn from the theme's other drugs and its distractors, letters shuffled. A question
    /// is negated ("ne cible pas", "inactif") with the hospital's hard-case rate: its right answers are then the
    /// options that do not act.
    /// </summary>
    public static IReadOnlyList<McqQuestionItem> Generate(HospitalProfile hospital, int count, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(hospital);
        var random = DeterministicRandom.ForStream(seed, "mcq/" + hospital.Slug);
        var questions = new List<McqQuestionItem>(count);
        for (var i = 1; i <= count; i++)
        {
            var concept = Concepts[random.Next(Concepts.Count)];
            var negated = random.NextDouble() < hospital.HardCaseRate;
            var right = Shuffle([.. concept.Correct], random).Take(1 + random.Next(2)).ToList();
            var wrongPool = Concepts.Where(c => c.Oncology == concept.Oncology && c != concept).SelectMany(c => c.Correct)
                .Concat(concept.Oncology ? OncologyDistractors : AmrDistractors)
                .Where(d => !concept.Correct.Contains(d))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            var wrong = Shuffle(wrongPool, random).Take(Letters.Count - right.Count).ToList();
            var options = Shuffle([.. right, .. wrong], random);
            var acting = new HashSet<string>(right, StringComparer.Ordinal);
            var answers = new SortedSet<string>(
                options.Select((o, k) => (o, k)).Where(p => acting.Contains(p.o) != negated).Select(p => Letters[p.k]),
                StringComparer.Ordinal);
            questions.Add(new McqQuestionItem(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{hospital.IdPrefix}-mcq-{i:D6}"),
                Ask(concept, negated), options, answers, concept.Cue, negated));
        }

        return questions;
    }

    private static List<string> Shuffle(List<string> items, DeterministicRandom random)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }

        return items;
    }
}
