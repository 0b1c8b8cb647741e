using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.DatasetQc;

/// <summary>
/// The release rules of a <c>dataset_qc</c> result (docs/data-quality.md, "Federated QC"; docs/release-gate.md).
/// Before anything leaves, the gate reads the section back and checks its counts against n_documents (every
/// histogram sums to at most n, no finding exceeds n) and that each figure states its sensitivity.
/// <para><b>Exact</b>: released as counted.</para>
/// <para>
/// <b>Under differential privacy</b>: the release's ρ is split equally over the figures released, and each count
/// of a figure gets discrete Gaussian noise of σ² = Δ₂² / (2ρ_figure) rounded up, Δ₂² being the figure's stated
/// per-report sensitivity (<see cref="DatasetQcSensitivity"/>). Entity counts must have been clipped to the
/// policy's entities per report (else their sensitivity is unbounded and the result is refused). Fleiss' table is
/// withheld (whether every document carries every annotator's label is a fact about the data, so its presence
/// could not be noised); α and the entity F1s come from the noisy counts with intervals by simulation.
/// n_documents stays exact: under replace-one the number of reports is public.
/// </para>
/// </summary>
internal static class DatasetQcRelease
{
    public const string FleissWithheld =
        "Fleiss' table is released only exactly: whether every document carries every annotator's label is itself a fact about the data";

    /// <exception cref="ReleaseRefusedException">The section is malformed or its counts contradict n_documents.</exception>
    public static ResultDocument Apply(ResultDocument result, IReadOnlyList<string> labels)
    {
        var section = ReadChecked(result, labels);
        return DatasetQcResults.Build(result.Task, result.NDocuments, section, new ReleaseSection());
    }

    /// <exception cref="ReleaseRefusedException">The section is malformed, or an entity count was not clipped to the policy's bound.</exception>
    public static ResultDocument ApplyPrivate(ResultDocument result, IReadOnlyList<string> labels, PrivateRelease policy)
    {
        var exact = ReadChecked(result, labels);
        if (exact.Annotation == DatasetQcAnnotation.Entities && exact.MaxEntitiesPerReport != policy.MaxEntitiesPerReport)
        {
            throw new ReleaseRefusedException(
                $"the QC entity counts were clipped to {exact.MaxEntitiesPerReport?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no bound"}, not to the policy's {policy.MaxEntitiesPerReport} entities per report, so their sensitivity is not the one stated");
        }

        var withheld = new List<WithheldSection>();
        var agreement = exact.Agreement;
        if (agreement?.Fleiss is not null)
        {
            agreement = agreement with { Fleiss = null };
            withheld.Add(new WithheldSection("dataset_qc.agreement.fleiss", FleissWithheld));
        }

        var section = exact with { Agreement = agreement };
        var sensitivity = DatasetQcSensitivity.Of(section);
        var rhoEach = policy.RhoPerRelease / sensitivity.Count;
        var variances = sensitivity.ToDictionary(
            s => s.Key,
            s => Rational.RoundUp(Zcdp.SigmaSquaredFor(rhoEach, s.Value.L2Squared
                ?? throw new ReleaseRefusedException($"dataset_qc figure '{s.Key}' has no bounded sensitivity ({s.Value.Note}), so it cannot be noised"))));
        long[] Noisy(long[] counts, string figure) => [.. counts.Select(c => c + policy.Sample(variances[figure]))];
        long[][] NoisyMatrix(long[][] cells, string figure) => [.. cells.Select(row => Noisy(row, figure))];

        var noisy = section with
        {
            CharacterLengths = Noisy(section.CharacterLengths, DatasetQcFigures.CharacterLengths),
            WordLengths = Noisy(section.WordLengths, DatasetQcFigures.WordLengths),
            CategoryCounts = Noisy(section.CategoryCounts, DatasetQcFigures.Categories),
            Findings = new SortedDictionary<string, long>(
                section.Findings.ToDictionary(f => f.Key, f => f.Value + policy.Sample(variances[DatasetQcFigures.Findings])), StringComparer.Ordinal),
            Sensitivity = sensitivity,
            NoiseVariance = new SortedDictionary<string, double>(variances.ToDictionary(v => v.Key, v => v.Value.ToDouble()), StringComparer.Ordinal),
            Agreement = agreement is null ? null : agreement with
            {
                CoincidencePairs = agreement.CoincidencePairs?.ToDictionary(p => p.Key, p => NoisyMatrix(p.Value, DatasetQcFigures.Coincidences), StringComparer.Ordinal),
                CohenTable = agreement.CohenTable is { } table ? NoisyMatrix(table, DatasetQcFigures.Cohen) : null,
                EntityPairs = agreement.EntityPairs?.Select(p =>
                {
                    var n = Noisy([p.FirstEntities, p.SecondEntities, p.StrictMatches, p.PartialMatches], DatasetQcFigures.EntityPairs);
                    return p with { FirstEntities = n[0], SecondEntities = n[1], StrictMatches = n[2], PartialMatches = n[3] };
                }).ToList(),
            },
            Pieces = section.Pieces is not { } pieces ? null : pieces with
            {
                PieceLengths = Noisy(pieces.PieceLengths, DatasetQcFigures.PieceLengths),
                LongerThanWindow = pieces.LongerThanWindow + policy.Sample(variances[DatasetQcFigures.LongerThanWindow]),
                PiecesInWindow = pieces.PiecesInWindow + policy.Sample(variances[DatasetQcFigures.UnknownPieces]),
                UnknownPieces = pieces.UnknownPieces + policy.Sample(variances[DatasetQcFigures.UnknownPieces]),
            },
        };
        var privacy = policy.Describe(new NoiseVariances(variances[DatasetQcFigures.Findings].ToDouble(), ScoreHistograms: null, Calibration: null));
        return DatasetQcResults.Build(result.Task, result.NDocuments, noisy, new ReleaseSection { DifferentialPrivacy = privacy, WithheldSections = withheld });
    }

    private static DatasetQcSection ReadChecked(ResultDocument result, IReadOnlyList<string> labels)
    {
        DatasetQcSection section;
        try
        {
            section = DatasetQcResults.Read(result, labels, noisy: false);
        }
        catch (InvalidDataException ex)
        {
            throw new ReleaseRefusedException("the dataset_qc result is malformed, so it is not released: " + ex.Message, ex);
        }

        var n = result.NDocuments;
        if (section.CharacterLengths.Sum() > n || section.WordLengths.Sum() != section.CharacterLengths.Sum()
            || (section.Annotation == DatasetQcAnnotation.Labels && section.CategoryCounts.Any(c => c > n)))
        {
            throw new ReleaseRefusedException("the dataset_qc histograms do not add up to at most n_documents, so the result is not released");
        }

        if (section.Pieces is { } pieces && pieces.PieceLengths.Sum() > n)
        {
            throw new ReleaseRefusedException("the dataset_qc piece-length histogram adds up to more than n_documents, so the result is not released");
        }

        return section;
    }
}
