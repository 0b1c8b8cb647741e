using Partages.Evaluation.Tokenization;

namespace Partages.Evaluation.Tests.Metrics;

public class NerTextTests
{
    [Test]
    public void Prepare_LineBreaksAndAccents_FoldedOneCharacterForOne()
    {
        const string text = "HER2 :\tscore 3+\r\nAmplifié";

        var prepared = NerText.Prepare(text);

        prepared.Should().Be("HER2 : score 3+  Amplifie");
        prepared.Length.Should().Be(text.Length);
    }

    [Test]
    public void Pieces_NormalizerDeletedACharacter_OffsetsMapBackToTheOriginalText()
    {
        // The original holds a control character the normalizer deleted; pieces' offsets index the normalized text.
        const string prepared = "Ab\u0001 Cd";
        const string normalized = "ab cd";

        var pieces = NerText.Pieces(prepared, normalized, [(7, "ab", 0, 2), (8, "c", 3, 4), (9, "##d", 4, 5)]);

        pieces.Should().Equal(new NerPiece(7, 0, 2, true), new NerPiece(8, 4, 5, true), new NerPiece(9, 5, 6, false));
        NerText.Words(pieces).Should().Equal(new NerWord(0, 2, 0), new NerWord(4, 6, 1));
    }

    [Test]
    public void Pieces_NfdCombiningAccentDeletedByTheNormalizer_PieceEndsAfterTheMark()
    {
        // "non muté" in NFD: the normalizer strips U+0301, so "mute" ends at the "e"; the mark belongs to it.
        var prepared = NerText.Prepare("non mute\u0301 ok");
        const string normalized = "non mute ok";

        var pieces = NerText.Pieces(prepared, normalized, [(5, "non", 0, 3), (6, "mu", 4, 6), (7, "##te", 6, 8), (8, "ok", 9, 11)]);

        pieces.Should().Equal(new NerPiece(5, 0, 3, true), new NerPiece(6, 4, 6, true), new NerPiece(7, 6, 9, false), new NerPiece(8, 10, 12, true));
        NerText.Words(pieces).Should().Equal(new NerWord(0, 3, 0), new NerWord(4, 9, 1), new NerWord(10, 12, 3));
    }

    [Test]
    public void GoldWordTags_EntityOverSeveralWords_BeginThenInside()
    {
        NerWord[] words = [new(0, 5, 0), new(6, 7, 1), new(7, 8, 2), new(9, 12, 3), new(13, 15, 4)];
        // "score" "3" "+" "pos" "xx": STATUS over "score 3+" (0–8), BIOMARKER over "xx" (13–15).
        NerEntity[] gold = [new(13, 15, 0), new(0, 8, 1)];

        var tags = NerText.GoldWordTags(words, gold);

        tags.Should().Equal(Iob2.Begin(1), Iob2.Inside(1), Iob2.Inside(1), Iob2.Outside, Iob2.Begin(0));
        NerText.ToCharacterSpans(words, Iob2.DecodeStrict(tags)).Should().BeEquivalentTo(gold);
    }

    [Test]
    public void Owners_RandomLayouts_EveryPieceOwnedOnceByAWindowHoldingIt()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 200; trial++)
        {
            var maxPieces = 2 + random.Next(20);
            var stride = random.Next(maxPieces);
            var pieces = random.Next(200);

            var windows = NerWindows.Layout(pieces, maxPieces, stride);
            var owners = NerWindows.Owners(windows, pieces);

            windows[^1].Start.Should().BeLessThanOrEqualTo(pieces);
            for (var p = 0; p < pieces; p++)
            {
                if (stride == 0 && p >= maxPieces)
                {
                    owners[p].Should().Be(-1);
                    continue;
                }

                var owner = windows[owners[p]];
                p.Should().BeInRange(owner.Start, owner.Start + owner.Count - 1);
            }
        }
    }

    [Test]
    public void Layout_StrideTwoOverSixPieceWindows_MovesByFourAndEndsAtTheFirstWindowReachingTheEnd()
    {
        NerWindows.Layout(10, 6, 2).Should().Equal(new NerWindow(0, 6), new NerWindow(4, 6));
        NerWindows.Layout(11, 6, 2).Should().Equal(new NerWindow(0, 6), new NerWindow(4, 6), new NerWindow(8, 3));
        NerWindows.Layout(6, 6, 2).Should().Equal(new NerWindow(0, 6));
    }
}
