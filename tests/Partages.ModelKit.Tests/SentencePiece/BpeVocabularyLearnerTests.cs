using Microsoft.ML.Tokenizers;
using Partages.ModelKit.SentencePiece;

namespace Partages.ModelKit.Tests.SentencePiece;

public sealed class BpeVocabularyLearnerTests
{
    [Test]
    public void Learn_SmallCorpus_MergesTheMostFrequentPairFirst()
    {
        // Words: "aa" twice, "ab" once → ▁ a a (×2), ▁ a b (×1). Pairs: ▁a 3, aa 2, ab 1 → merge ▁a.
        // Then ▁a a (×2), ▁a b (×1): ▁aa 2, ▁ab 1 → merge ▁aa. Then only ▁ab (1) is left, under the minimum of 2.
        var model = BpeVocabularyLearner.Learn(["aa aa", "ab"], new BpeLearnerOptions { VocabularySize = 500 });

        model.Pieces.Take(5).Should().Equal(
            new SentencePieceEntry("<unk>", 0, PieceType.Unknown),
            new SentencePieceEntry("<s>", 0, PieceType.Control),
            new SentencePieceEntry("</s>", 0, PieceType.Control),
            new SentencePieceEntry("▁a", -1, PieceType.Normal),
            new SentencePieceEntry("▁aa", -2, PieceType.Normal));
        model.Pieces.Skip(5).Should().OnlyContain(p => p.Piece.EnumerateRunes().Count() == 1 && p.Score < -2, "characters follow the merges, scored below them");
        model.Pieces.Select(p => p.Piece).Should().Contain(["▁", "a", "b", "é", "+"]).And.OnlyHaveUniqueItems();
        (model.UnknownId, model.BosId, model.EosId, model.PadId).Should().Be((0, 1, 2, -1));
    }

    [Test]
    public void Learn_LettersAndDigits_NeverMergedIntoOnePiece()
    {
        var model = BpeVocabularyLearner.Learn(Enumerable.Repeat("a1 a1 3+ 3+", 10), new BpeLearnerOptions { VocabularySize = 500 });

        var merged = model.Pieces.Where(p => p.Score is < 0 and >= -100 && p.Type == PieceType.Normal && p.Piece.Length > 1).Select(p => p.Piece).ToList();
        merged.Should().Contain(["▁a", "▁3"]).And.NotContain(["a1", "▁a1", "3+", "▁3+"]);
    }

    [Test]
    public void Learn_VocabularySize_IsReachedWhenTheCorpusAllowsIt()
    {
        var corpus = AmrReportGenerator.Generate(SyntheticHospitals.Training, 200, seed: 5).Select(r => r.Text).ToList();

        var model = BpeVocabularyLearner.Learn(corpus, new BpeLearnerOptions { VocabularySize = 600 });

        model.Pieces.Should().HaveCount(600);
        model.ToBytes().Should().Equal(BpeVocabularyLearner.Learn(corpus, new BpeLearnerOptions { VocabularySize = 600 }).ToBytes(), "same corpus, same bytes");
    }

    [Test]
    public void Learn_EncodedByMicrosoftTokenizersBpe_ReplaysTheLearntMerges()
    {
        var corpus = AmrReportGenerator.Generate(SyntheticHospitals.Training, 200, seed: 5).Select(r => r.Text).ToList();
        var model = BpeVocabularyLearner.Learn(corpus, new BpeLearnerOptions { VocabularySize = 1500 });
        using var stream = new MemoryStream(model.ToBytes());
        var tokenizer = SentencePieceTokenizer.Create(stream, false, false, null);

        var tokens = tokenizer.EncodeToTokens(SentencePieceText.Prepare(corpus[0]), out _, false, false);

        tokens.Should().NotBeEmpty();
        tokens.Should().OnlyContain(t => t.Id != tokenizer.UnknownId, "every character of the corpus is a piece");
        string.Concat(tokens.Select(t => t.Value)).Replace('▁', ' ').TrimStart()
            .Should().Be(string.Join(' ', SentencePieceText.Prepare(corpus[0]).Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        tokens.Count.Should().BeLessThan(corpus[0].Length / 2, "frequent words are whole pieces");
    }
}
