using Partages.Evaluation.Robustness;

namespace Partages.Evaluation.Tests.Robustness;

public sealed class PerturbationTests
{
    private const string Report = "Antécédents : hypertension artérielle.\r\nEGFR : non muté. Traitement par antibiothérapie.";

    [Test]
    public void RemoveAccents_NfcAndNfdText_SameFoldedTextAndSpansFollow()
    {
        var nfc = "muté, réarrangement";
        var nfd = "mute\u0301, re\u0301arrangement";

        var fromNfc = new RemoveAccents().Apply(nfc, seed: 1, "d1");
        var fromNfd = new RemoveAccents().Apply(nfd, seed: 1, "d1");

        fromNfc.Text.Should().Be("mute, rearrangement");
        fromNfd.Text.Should().Be("mute, rearrangement");
        fromNfd.MapSpan(0, 5).Should().Be((0, 4), "'muté' in NFD is five code points and becomes 'mute'");
        fromNfd.MapSpan(7, 21).Should().Be((6, 19));
    }

    [Test]
    public void RemoveAccents_NothingToRemove_UnchangedAndSaysSo()
    {
        new RemoveAccents().Apply("EGFR non mute", seed: 1, "d1").Changed.Should().BeFalse();
    }

    [TestCase(true, "ANTÉCÉDENTS")]
    [TestCase(false, "antécédents")]
    public void ChangeCase_Report_OffsetsUnchanged(bool upper, string expectedStart)
    {
        var perturbed = new ChangeCase(upper).Apply(Report, seed: 1, "d1");

        perturbed.Text.Should().StartWith(expectedStart);
        perturbed.MapSpan(14, 37).Should().Be((14, 37));
    }

    [Test]
    public void Typos_SameSeedAndId_SameTextWhateverTheCallOrder()
    {
        var typos = new Typos(0.2);

        var first = typos.Apply(Report, seed: 7, "doc-1").Text;
        typos.Apply(Report, seed: 7, "doc-2");
        var again = typos.Apply(Report, seed: 7, "doc-1").Text;

        again.Should().Be(first);
        first.Should().NotBe(Report);
        typos.Apply(Report, seed: 8, "doc-1").Text.Should().NotBe(first, "another seed gives other typos");
    }

    [Test]
    public void Typos_RandomReportsAndSpans_EveryKeptSpanCoversItsWordsAndOffsetsAreMonotone()
    {
        var random = new Random(11);
        for (var trial = 0; trial < 200; trial++)
        {
            var words = Enumerable.Range(0, random.Next(1, 30)).Select(_ => new string('a', random.Next(1, 9))).ToArray();
            var text = string.Join(' ', words);
            var perturbed = new Typos(0.3).Apply(text, seed: trial, $"d{trial}");

            var previous = 0;
            for (var offset = 0; offset <= text.Length; offset++)
            {
                var mapped = perturbed.MapOffset(offset);
                mapped.Should().BeGreaterThanOrEqualTo(previous);
                previous = mapped;
            }

            perturbed.MapOffset(text.Length).Should().Be(perturbed.Text.EnumerateRunes().Count());
        }
    }

    [Test]
    public void Abbreviations_Contract_ReplacesWholeWordsAndMapsTheSpan()
    {
        var perturbed = new Abbreviations(contract: true).Apply(Report, seed: 1, "d1");

        perturbed.Text.Should().Be("ATCD : HTA.\r\nEGFR : non muté. TTT par ATB.");
        perturbed.MapSpan(14, 37).Should().Be((7, 10), "the gold span 'hypertension artérielle' becomes 'HTA'");
        perturbed.MapSpan(40, 44).Should().Be((13, 17), "'EGFR' keeps its words, shifted");
    }

    [Test]
    public void Abbreviations_Expand_OnlyUpperCaseWholeWords()
    {
        var perturbed = new Abbreviations(contract: false).Apply("HTA et IR ; ir ; HTAP", seed: 1, "d1");

        perturbed.Text.Should().Be("hypertension artérielle et insuffisance rénale ; ir ; HTAP");
    }

    [Test]
    public void JoinLines_CrLfAndLf_EachOneSpace()
    {
        var perturbed = new JoinLines().Apply("a\r\nb\nc", seed: 1, "d1");

        perturbed.Text.Should().Be("a b c");
        perturbed.MapSpan(3, 4).Should().Be((2, 3), "'b' after CRLF moves back one code point");
    }

    [Test]
    public void Truncate_SpanBeyondTheCut_LostAndSpanAcrossItClipped()
    {
        var perturbed = new Truncate(3).Apply("un deux trois quatre cinq", seed: 1, "d1");

        perturbed.Text.Should().Be("un deux trois");
        perturbed.MapSpan(14, 20).Should().BeNull("'quatre' is cut away and is counted as lost by the caller");
        perturbed.MapSpan(8, 20).Should().Be((8, 13), "'trois quatre' keeps 'trois'");
        new Truncate(10).Apply("un deux", seed: 1, "d1").Changed.Should().BeFalse();
    }

    [Test]
    public void ExtraSpaces_RateOne_EverySpaceDoubled()
    {
        new ExtraSpaces(1.0).Apply("a b c", seed: 1, "d1").Text.Should().Be("a  b  c");
    }

    [Test]
    public void Apply_TextWithCharactersOutsideTheBmp_OffsetsCountCodePoints()
    {
        var perturbed = new Abbreviations(contract: true).Apply("😀 traitement", seed: 1, "d1");

        perturbed.Text.Should().Be("😀 TTT");
        perturbed.MapSpan(2, 12).Should().Be((2, 5));
    }

    [TestCase("typos", "rate", "0.05", "typos(rate=0.05)")]
    [TestCase("case", "to", "upper", "case(upper)")]
    [TestCase("truncate", "words", "50", "truncate(words=50)")]
    [TestCase("abbreviations", "direction", "expand", "abbreviations(expand, table=1)")]
    public void Create_ValidParameters_NamedForTheManifest(string kind, string parameter, string value, string name)
    {
        var errors = new List<string>();

        var perturbation = PerturbationCatalog.Create(kind, new Dictionary<string, string> { [parameter] = value }, errors);

        errors.Should().BeEmpty();
        perturbation!.Name.Should().Be(name);
    }

    [TestCase("misspell", "", "", "*'misspell' is not a perturbation (valid: remove_accents, case,*")]
    [TestCase("typos", "", "", "*typos: 'rate' is required*")]
    [TestCase("typos", "rate", "1.5", "*rate must be a number in (0, 1]*")]
    [TestCase("truncate", "words", "0", "*words must be a whole number ≥ 1*")]
    [TestCase("case", "to", "title", "*to must be upper or lower, not 'title'*")]
    [TestCase("remove_accents", "rate", "0.1", "*unknown parameter 'rate'*")]
    public void Create_BadInput_RefusedWithReason(string kind, string parameter, string value, string message)
    {
        var errors = new List<string>();
        var parameters = parameter.Length == 0 ? new Dictionary<string, string>() : new Dictionary<string, string> { [parameter] = value };

        PerturbationCatalog.Create(kind, parameters, errors).Should().BeNull();

        errors.Should().ContainSingle().Which.Should().Match(message);
    }
}
