namespace Partages.Dashboard.Tests.Infrastructure;

/// <summary>
/// Hand-made entity recognition results whose every count is chosen by the test, and the evaluation page the
/// coordinator renders from them: for the renderer's unit tests, and for the accessibility and keyboard checks of
/// the entity sections in the browser.
/// </summary>
public static class NerSamples
{
    /// <summary>MUTATION is there to be empty or spurious-only when a test wants it.</summary>
    public static IReadOnlyList<string> Types { get; } = ["BIOMARKER", "STATUS", "MUTATION"];

    /// <summary>A pooled result over sites named site-0, site-1, … pooled by the real pooler.</summary>
    public static PooledResultDocument Pool(params ResultDocument[] sites) =>
        PooledResultDocument.Pool(TaskTypes.TokenClassification, Types,
            sites.Select((s, i) => (Name: $"site-{i}", Site: s)).ToDictionary(s => s.Name, s => s.Site, StringComparer.Ordinal), []);

    /// <summary>A site's NER result whose every scheme has the same outcome counts per type (strict, exact, partial, type).</summary>
    public static ResultDocument Site(NerOutcomeCounts biomarker, NerOutcomeCounts status, NerOutcomeCounts? mutation = null)
    {
        var schemes = new NerSchemeCounts(Types);
        foreach (var scheme in NerSchemes.All)
        {
            schemes.Set(scheme, 0, biomarker);
            schemes.Set(scheme, 1, status);
            schemes.Set(scheme, 2, mutation ?? Outcomes());
        }

        var seqeval = new SeqevalCounts(Types);
        seqeval.Set(0, biomarker.Correct, biomarker.Spurious, biomarker.Missed);
        seqeval.Set(1, status.Correct, status.Spurious, status.Missed);
        seqeval.Set(2, 0, mutation?.Spurious ?? 0, 0);
        seqeval.SetWords(100, 90);
        var confusion = ClassificationCounts.FromMatrix(Types, [[biomarker.Correct, 0, 0], [0, status.Correct, 0], [0, 0, 0]]);
        return NerResults.Build(TaskTypes.TokenClassification, 10, schemes, seqeval, confusion, new InputSummary { DocumentsRead = 10, DocumentsEvaluated = 10 });
    }

    public static NerOutcomeCounts Outcomes(long correct = 0, long incorrect = 0, long partial = 0, long missed = 0, long spurious = 0) =>
        new() { Correct = correct, Incorrect = incorrect, Partial = partial, Missed = missed, Spurious = spurious };

    /// <summary>The evaluation page as the coordinator serves it, from the pooled result's JSON (the stored form).</summary>
    public static string RenderPage(PooledResultDocument pooled) => EvaluationPages.Render(pooled, Types, "oncology-biomarkers-ner", "oncology-reports");

    /// <summary>Three sites with partial overlaps, misses, spurious entities, and a type no site annotated or predicted.</summary>
    public static string RenderRealisticPage() =>
        RenderPage(Pool(
            Site(biomarker: Outcomes(correct: 118, incorrect: 2, partial: 3, missed: 4, spurious: 1), status: Outcomes(correct: 101, incorrect: 6, partial: 9, missed: 3, spurious: 2)),
            Site(biomarker: Outcomes(correct: 90, partial: 1, missed: 2), status: Outcomes(correct: 80, incorrect: 3, partial: 4, missed: 1, spurious: 1)),
            Site(biomarker: Outcomes(correct: 60, missed: 1, spurious: 2), status: Outcomes(correct: 41, incorrect: 9, partial: 10, missed: 2))));
}
