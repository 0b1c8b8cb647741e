using Partages.Evaluation.Metrics;
using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.DatasetQc;

/// <summary>
/// The two ratios of a QC's piece counts (<see cref="QcPiecesSection"/>). The share of reports longer than the window
/// is over n_documents, which is exact (public under replace-one): a Wilson interval from exact counts, and by
/// simulation from the mechanism from noisy ones. The unknown-piece rate has no interval from exact counts (the pieces
/// of one report are not independent draws); from noisy counts it has one by simulation, and it is not estimable when
/// the pieces read are not clearly above their noise.
/// </summary>
public static class QcPieceFigures
{
    private const int Simulations = 400;

    /// <summary>The section with <see cref="QcPiecesSection.ShareLongerThanWindow"/> and <see cref="QcPiecesSection.UnknownPieceRate"/> filled from its counts.</summary>
    public static DatasetQcSection Derive(DatasetQcSection section, long documents)
    {
        ArgumentNullException.ThrowIfNull(section);
        if (section.Pieces is not { } pieces)
        {
            return section;
        }

        var longerVariance = section.NoiseVariance?.GetValueOrDefault(DatasetQcFigures.LongerThanWindow);
        var unknownVariance = section.NoiseVariance?.GetValueOrDefault(DatasetQcFigures.UnknownPieces);
        return section with
        {
            Pieces = pieces with
            {
                ShareLongerThanWindow = Share(pieces.LongerThanWindow, documents, longerVariance),
                UnknownPieceRate = UnknownRate(pieces.UnknownPieces, pieces.PiecesInWindow, unknownVariance),
            },
        };
    }

    private static QcFigure Share(long longer, long documents, double? variance)
    {
        if (documents <= 0)
        {
            return new QcFigure(null, null);
        }

        if (variance is not { } v)
        {
            var exact = Math.Clamp(longer, 0, documents);
            return new QcFigure((double)exact / documents, Interval.From(Wilson.Interval(exact, documents)));
        }

        var estimate = NoisySimulation.Proportion(longer, documents);
        var random = new NoisySimulation.SeedBuilder("qc-longer-than-window").Add(v).Add(longer).Add(documents).Build();
        var draws = new double[Simulations];
        for (var i = 0; i < Simulations; i++)
        {
            draws[i] = NoisySimulation.Proportion(NoisySimulation.DrawCell(longer, v, random), documents);
        }

        return new QcFigure(estimate, Interval.From(NoisySimulation.Interval(estimate, draws)));
    }

    private static QcFigure UnknownRate(long unknown, long pieces, double? variance)
    {
        if (variance is not { } v)
        {
            return new QcFigure(pieces > 0 ? (double)Math.Clamp(unknown, 0, pieces) / pieces : null, null);
        }

        if (!NoisySimulation.IsClearlyPositive(pieces, 1, v))
        {
            return new QcFigure(null, null);
        }

        var estimate = NoisySimulation.Proportion(unknown, pieces);
        var random = new NoisySimulation.SeedBuilder("qc-unknown-pieces").Add(v).Add(unknown).Add(pieces).Build();
        var draws = new double[Simulations];
        for (var i = 0; i < Simulations; i++)
        {
            draws[i] = NoisySimulation.Proportion(NoisySimulation.DrawCell(unknown, v, random), NoisySimulation.DrawCell(pieces, v, random));
        }

        return new QcFigure(estimate, Interval.From(NoisySimulation.Interval(estimate, draws)));
    }
}
