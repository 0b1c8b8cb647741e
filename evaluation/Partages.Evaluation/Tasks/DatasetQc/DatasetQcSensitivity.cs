namespace Partages.Evaluation.Tasks.DatasetQc;

/// <summary>
/// Each released QC figure's per-report sensitivity under replace-one (Δ₂²: the largest squared L2 distance between
/// two snapshots that differ in one report), stated in every release, exact or noised (ERRATA 17). Every count is
/// non-negative per report, so two reports' contributions x and y satisfy ‖x − y‖² ≤ Σ max(xᵢ, yᵢ)².
/// </summary>
public static class DatasetQcSensitivity
{
    /// <summary>The sensitivity of each figure <paramref name="section"/> holds.</summary>
    public static IReadOnlyDictionary<string, QcSensitivity> Of(DatasetQcSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var m = section.MaxEntitiesPerReport;
        var c = section.Categories.Count;
        var sensitivity = new SortedDictionary<string, QcSensitivity>(StringComparer.Ordinal)
        {
            [DatasetQcFigures.CharacterLengths] = new(2, "a report is one unit in one bin: replacing it moves two bins by one"),
            [DatasetQcFigures.WordLengths] = new(2, "a report is one unit in one bin: replacing it moves two bins by one"),
            [DatasetQcFigures.Findings] = new(DatasetQcFindings.Released.Count, "a report counts at most once per kind, and exact duplicates (n − distinct texts) move by at most one"),
            [DatasetQcFigures.Categories] = section.Annotation == DatasetQcAnnotation.Labels
                ? new(c, "a document adds one to each of its categories")
                : m is { } clip
                    ? new((double)c * clip * clip, $"at most {clip} entities per report and type are counted")
                    : new(null, "not bounded: exact release, every entity counted"),
        };
        if (section.Pieces is { } pieces)
        {
            var w = (double)pieces.Window;
            sensitivity[DatasetQcFigures.PieceLengths] = new(2, "a report is one unit in one bin: replacing it moves two bins by one");
            sensitivity[DatasetQcFigures.LongerThanWindow] = new(1, "a report is longer than the window or not");
            sensitivity[DatasetQcFigures.UnknownPieces] = new(2 * w * w, $"a report adds at most {pieces.Window} pieces (its first window) and as many unknown pieces");
        }

        if (section.Agreement is not { } agreement)
        {
            return sensitivity;
        }

        var a = agreement.Annotators.Count;
        if (agreement.CoincidencePairs is not null)
        {
            var pairs = (double)a * (a - 1);
            sensitivity[DatasetQcFigures.Coincidences] = new(2 * pairs * pairs, "a document labelled by m annotators adds m(m − 1) ordered pairs");
        }

        if (agreement.CohenTable is not null)
        {
            sensitivity[DatasetQcFigures.Cohen] = new(2, "a document is one cell");
        }

        if (agreement.Fleiss is not null)
        {
            sensitivity[DatasetQcFigures.Fleiss] = new(Math.Pow((double)a * a - a, 2) + 2.0 * a * a, "a document adds between m and m² to the squared counts and m to the label totals");
        }

        if (agreement.EntityPairs is not null)
        {
            var cells = 4.0 * DatasetQcCounter.Pairs(a) * c;
            sensitivity[DatasetQcFigures.EntityPairs] = m is { } bound
                ? new(cells * bound * bound, $"per annotator pair and type four counts, each at most {bound} per report")
                : new(null, "not bounded: exact release, every entity counted");
        }

        return sensitivity;
    }
}
