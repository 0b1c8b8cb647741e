using Partages.Evaluation.Quality;
using Partages.Evaluation.Tasks.DatasetQc;

namespace Partages.Evaluation.Tests.Tasks.DatasetQc;

/// <summary>A QC given a bundle: lengths in pieces, the share longer than the window, the unknown-piece rate.</summary>
public sealed class DatasetQcPiecesTests
{
    private const int Window = 8;
    private static readonly string[] Labels = ["sensible", "BLSE"];
    private static readonly TaskType Task = TaskRegistry.Get(DatasetQcTask.TaskName);

    [Test]
    public void ToSection_WithABundle_CountsPieceLengthsLongerReportsAndUnknownPiecesInTheFirstWindow()
    {
        var (profile, counter) = Profile();
        profile.Add(Document("la souche est sensible"));                       // 4 pieces
        profile.Add(Document("la ?x est ?y"));                                  // 4 pieces, 2 unknown
        profile.Add(Document("a b c d e f g h i j ?late"));                     // 11 pieces, the unknown one past the window

        var pieces = counter.ToSection().Pieces!;

        pieces.Window.Should().Be(Window);
        pieces.PieceLengths[LengthHistogram.BinOf(4)].Should().Be(2);
        pieces.PieceLengths[LengthHistogram.BinOf(11)].Should().Be(1);
        pieces.LongerThanWindow.Should().Be(1);
        pieces.PiecesInWindow.Should().Be(4 + 4 + Window);
        pieces.UnknownPieces.Should().Be(2, "the third report's unknown piece is past its first window");
        profile.Pieces!.UnknownRate.Should().BeApproximately(2.0 / 16, 1e-12, "the local report and the release count the same pieces");
        profile.Pieces.ReportsWithUnknown.Should().Be(1);
    }

    [Test]
    public void Build_ExactCounts_ShareHasAWilsonIntervalAndTheRateIsAPoint()
    {
        var (profile, counter) = Profile();
        profile.Add(Document("a b c d e f g h i j"));
        profile.Add(Document("a ?b"));

        var pieces = DatasetQcResults.Build(Task.Name, counter.Documents, counter.ToSection(), null).DatasetQc!.Pieces!;

        pieces.ShareLongerThanWindow!.Value.Should().Be(0.5);
        var wilson = Evaluation.Metrics.Wilson.Interval(1, 2);
        pieces.ShareLongerThanWindow.Interval!.CiLow.Should().BeApproximately(wilson.Lower, 1e-12);
        pieces.UnknownPieceRate!.Value.Should().BeApproximately(1.0 / 10, 1e-12);
        pieces.UnknownPieceRate.Interval.Should().BeNull("the pieces of one report are not independent draws");
    }

    [Test]
    public void Build_NoReport_BothRatiosAreNotEstimable()
    {
        var (_, counter) = Profile();

        var pieces = DatasetQcResults.Build(Task.Name, 0, counter.ToSection(), null).DatasetQc!.Pieces!;

        pieces.ShareLongerThanWindow!.Value.Should().BeNull();
        pieces.UnknownPieceRate!.Value.Should().BeNull();
    }

    [Test]
    public void ReleasePrivate_PieceFigures_NoisedWithTheirStatedSensitivities()
    {
        var (profile, counter) = Profile();
        for (var i = 0; i < 40; i++)
        {
            profile.Add(Document(string.Join(' ', Enumerable.Repeat("mot", i % 12)) + (i % 5 == 0 ? " ?inconnu" : "")));
        }

        var exact = DatasetQcResults.Build(Task.Name, counter.Documents, counter.ToSection(), null);

        var released = Task.ReleasePrivate(exact, new PrivateRelease(0.5, 1e-6, 4, 512, [], new ConstantNoise(2)));

        var section = released.DatasetQc!;
        section.Sensitivity[DatasetQcFigures.PieceLengths].L2Squared.Should().Be(2);
        section.Sensitivity[DatasetQcFigures.LongerThanWindow].L2Squared.Should().Be(1);
        section.Sensitivity[DatasetQcFigures.UnknownPieces].L2Squared.Should().Be(2.0 * Window * Window);
        section.NoiseVariance!.Keys.Should().Contain([DatasetQcFigures.PieceLengths, DatasetQcFigures.LongerThanWindow, DatasetQcFigures.UnknownPieces]);
        var pieces = section.Pieces!;
        pieces.PieceLengths.Should().Equal(exact.DatasetQc!.Pieces!.PieceLengths.Select(c => c + 2));
        pieces.LongerThanWindow.Should().Be(exact.DatasetQc.Pieces.LongerThanWindow + 2);
        pieces.UnknownPieces.Should().Be(exact.DatasetQc.Pieces.UnknownPieces + 2);
        pieces.ShareLongerThanWindow!.Interval.Should().NotBeNull("a figure from noisy counts carries an interval including the noise");
        Task.CheckSections(released, Labels, noisy: true);
    }

    [Test]
    public void Pool_SitesSplitAtRandom_PieceCountsEqualTheUnions([Values(1, 2, 3)] int seed)
    {
        var random = new Random(seed);
        var (unionProfile, union) = Profile();
        var sites = Enumerable.Range(0, 3).Select(_ => Profile()).ToList();
        for (var i = 0; i < 90; i++)
        {
            var words = Enumerable.Range(0, random.Next(0, 20)).Select(w => random.Next(6) == 0 ? "?u" : "mot");
            var document = Document(string.Join(' ', words) + $" {i}");
            unionProfile.Add(document);
            sites[random.Next(3)].Profile.Add(document);
        }

        var results = sites.Select((s, i) => KeyValuePair.Create($"site-{i}", DatasetQcResults.Build(Task.Name, s.Counter.Documents, s.Counter.ToSection(), null))).ToList();
        var pooled = Task.Pool(Labels, results).Pooled!.DatasetQc!.Pieces!;
        var expected = DatasetQcResults.Build(Task.Name, union.Documents, union.ToSection(), null).DatasetQc!.Pieces!;

        pooled.PieceLengths.Should().Equal(expected.PieceLengths);
        (pooled.LongerThanWindow, pooled.PiecesInWindow, pooled.UnknownPieces).Should().Be((expected.LongerThanWindow, expected.PiecesInWindow, expected.UnknownPieces));
        pooled.UnknownPieceRate!.Value.Should().BeApproximately(expected.UnknownPieceRate!.Value!.Value, 1e-12);
    }

    [Test]
    public void Pool_OneSiteWithoutPieces_PiecesAreLeftOutAndNamed()
    {
        var (withProfile, withPieces) = Profile();
        withProfile.Add(Document("la souche"));
        var without = new DatasetQcCounter(DatasetQcAnnotation.Labels, Labels, [], null);
        new DatasetProfile { Counter = without }.Add(Document("la souche"));
        var sites = new[] { ("a", withPieces), ("b", without) }
            .Select(s => KeyValuePair.Create(s.Item1, DatasetQcResults.Build(Task.Name, 1, s.Item2.ToSection(), null))).ToList();

        var pooled = Task.Pool(Labels, sites);

        pooled.Pooled!.DatasetQc!.Pieces.Should().BeNull();
        pooled.Omitted.Should().ContainSingle(o => o.Section == "dataset_qc.pieces");
    }

    [Test]
    public void CheckSections_MoreUnknownPiecesThanPiecesRead_IsRefusedAtIntake()
    {
        var (profile, counter) = Profile();
        profile.Add(Document("la souche"));
        var section = counter.ToSection();
        var broken = DatasetQcResults.Build(Task.Name, 1, section with { Pieces = section.Pieces! with { UnknownPieces = 5 } }, new ReleaseSection());

        var act = () => Task.CheckSections(broken, Labels, noisy: false);

        act.Should().Throw<InvalidDataException>().WithMessage("*unknown pieces above the pieces read*");
    }

    [Test]
    public void Add_PiecesGivenToACounterMadeWithoutABundle_Throws()
    {
        var counter = new DatasetQcCounter(DatasetQcAnnotation.Labels, Labels, [], null);

        var act = () => counter.Add(Document("x"), 1, 1, [], new PieceCount(1, 0));

        act.Should().Throw<InvalidOperationException>();
    }

    /// <summary>A stand-in tokenizer: one piece per word, a word starting with '?' is the unknown token.</summary>
    private static PieceCount Tokenize(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new PieceCount(words.Length, words.Take(Window).Count(w => w.StartsWith('?')));
    }

    private static (DatasetProfile Profile, DatasetQcCounter Counter) Profile()
    {
        var counter = new DatasetQcCounter(DatasetQcAnnotation.Labels, Labels, [], null, (Window, "[UNK]"));
        return (new DatasetProfile { Counter = counter, Pieces = new PieceProfile(Tokenize, Window, "[UNK]") }, counter);
    }

    private static QcDocument Document(string text) => new(text, ["BLSE"], []);
}
