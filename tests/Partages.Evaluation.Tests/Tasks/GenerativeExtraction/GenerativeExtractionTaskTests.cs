using System.Text;
using Partages.Evaluation.Tasks.GenerativeExtraction;

namespace Partages.Evaluation.Tests.Tasks.GenerativeExtraction;

[TestFixture]
public sealed class GenerativeExtractionTaskTests
{
    private static readonly OutputField[] Fields = [new("EGFR", ["positif", "pos", "négatif"]), new("ALK", ["positif", "négatif"])];
    internal static readonly string[] Labels = ["EGFR", "ALK"];
    private static readonly DecodingRecord Decoding = new(DecodingRecord.Greedy, 32, null, DecodingRecord.EngineLogitMask);
    private readonly OutputContract _contract = new(Fields);

    [TestCase("", true)]
    [TestCase("{\"EGFR\": \"po", true)]
    [TestCase("{\"EGFR\": \"pos\", \"ALK\": \"n", true)]
    [TestCase("{\"EGFR\": \"né", true)]
    [TestCase("{\"EGFR\":\"positif\"", false)]
    [TestCase("{\"EGFR\": \"inconnu", false)]
    [TestCase("{\"EGFR\": \"positif\"}", false)]
    public void IsPrefix_Outputs_AcceptsOnlyBeginningsOfTheCanonicalLayout(string output, bool expected) =>
        _contract.IsPrefix(Encoding.UTF8.GetBytes(output)).Should().Be(expected);

    [Test]
    public void IsPrefix_HalfOfAnAccentedLetter_Accepted()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"EGFR\": \"né");
        _contract.IsPrefix(bytes.AsSpan(0, bytes.Length - 1)).Should().BeTrue();
    }

    [Test]
    public void IsComplete_CanonicalAnswer_ParsesToItsValues()
    {
        var answer = Encoding.UTF8.GetBytes(_contract.Canonical(["pos", "négatif"]));

        _contract.IsComplete(answer).Should().BeTrue();
        _contract.Parse(answer).Values.Should().Equal("pos", "négatif");
    }

    [TestCase("{\"EGFR\": \"pos\"}", InvalidKinds.MissingField)]
    [TestCase("{\"EGFR\": \"pos\", \"ALK\": \"oui\"}", InvalidKinds.ValueNotAllowed)]
    [TestCase("{\"EGFR\": \"pos\", ", InvalidKinds.Unparsable)]
    public void Parse_InvalidOutputs_NamesTheKind(string output, string kind) =>
        _contract.Parse(Encoding.UTF8.GetBytes(output)).Invalid.Should().Be(kind);

    [Test]
    public void Parse_NotUtf8_CountedAsNotUtf8() =>
        _contract.Parse(new byte[] { 0x7B, 0xC3 }).Invalid.Should().Be(InvalidKinds.NotUtf8);

    [Test]
    public void ForcedLiteral_AfterAValueAnotherCouldExtend_NothingForced()
    {
        // "pos" may end or go on to "positif": the model decides.
        _contract.ForcedLiteral(Encoding.UTF8.GetBytes("{\"EGFR\": \"pos")).Should().BeEmpty();
        Encoding.UTF8.GetString(_contract.ForcedLiteral(Encoding.UTF8.GetBytes("{\"EGFR\": \"négatif"))).Should().Be("\", \"ALK\": \"");
    }

    [TestCase("{{report}}\n{\"EGFR\":", 0)]
    [TestCase("{{ report }} {{age}}", 1)]
    [TestCase("no placeholder", 1)]
    public void Problems_Templates_CountsUnknownOrMissingPlaceholders(string template, int problems) =>
        PromptTemplate.Problems(template).Should().HaveCount(problems);

    [Test]
    public void Fill_ReportWithDollarSigns_InsertedVerbatim() =>
        PromptTemplate.Fill("A {{report}} B", "$1 $$").Should().Be("A $1 $$ B");

    [Test]
    public void Pool_RandomExactSites_PooledCountsEqualTheSumOfSites([Values(1, 2, 3, 4, 5)] int seed)
    {
        var random = new Random(seed);
        var sites = Enumerable.Range(0, 3).Select(i => new KeyValuePair<string, ResultDocument>($"site-{i}", RandomSite(random))).ToList();

        var pooled = TaskRegistry.Get(GenerativeExtractionTask.TaskName).Pool(Labels, sites).Pooled!;

        for (var f = 0; f < Fields.Length; f++)
        {
            var expected = sites.Select(s => s.Value.Generative!.Fields[f].Result.ConfusionMatrix.Matrix)
                .Aggregate((a, b) => [.. a.Zip(b, (x, y) => x.Zip(y, (p, q) => p + q).ToArray())]);
            pooled.Generative!.Fields[f].Result.ConfusionMatrix.Matrix.Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
        }

        foreach (var kind in pooled.Generative!.Outputs.Keys)
        {
            pooled.Generative.Outputs[kind].Should().Be(sites.Sum(s => s.Value.Generative!.Outputs[kind]));
        }

        pooled.Generative.Truncated.Should().Be(sites.Sum(s => s.Value.Generative!.Truncated));
        pooled.NDocuments.Should().Be(sites.Sum(s => s.Value.NDocuments)).And.Be(pooled.Generative.Generations);
    }

    [Test]
    public void Serialize_GenerativeResult_ReadsBackTheSameJson()
    {
        var site = RandomSite(new Random(3));

        var json = ResultJson.Serialize(site);

        ResultJson.Serialize(ResultJson.DeserializeSite(json)).Should().Be(json);
    }

    [Test]
    public void ReleasePrivate_ExactSite_EveryKindReleasedAndNoisyPoolStillAdds()
    {
        var random = new Random(7);
        var site = RandomSite(random);
        var release = new PrivateRelease(0.5, 1e-6, 8, 512, ["malformed_json"], new ShiftNoise());
        var task = TaskRegistry.Get(GenerativeExtractionTask.TaskName);

        var released = task.ReleasePrivate(site, release);
        task.CheckSections(released, Labels, noisy: true);
        var pooled = task.Pool(Labels, [new("a", released), new("b", site)]).Pooled!;

        released.Generative!.Outputs.Keys.Should().BeEquivalentTo(InvalidKinds.All.Append(GenerativeSection.Valid));
        released.Release!.DifferentialPrivacy.Should().NotBeNull();
        pooled.Generative!.Outputs[GenerativeSection.Valid].Should().Be(released.Generative.Outputs[GenerativeSection.Valid] + site.Generative!.Outputs[GenerativeSection.Valid]);
    }

    /// <summary>Adds a fixed −1, 0 or +1 in turn: noisy (possibly negative) counts without a sampler.</summary>
    private sealed class ShiftNoise : ICountNoise
    {
        private long _next;

        public long Sample(Rational sigmaSquared) => (_next++ % 3) - 1;
    }

    internal static ResultDocument RandomSite(Random random)
    {
        var counts = Fields.Select(f => new ClassificationCounts(OutputContract.MatrixLabels(f))).ToList();
        var outputs = new Dictionary<string, long>();
        var n = random.Next(5, 40);
        for (var d = 0; d < n; d++)
        {
            var invalid = random.NextDouble() < 0.2;
            var kind = invalid ? InvalidKinds.All[random.Next(InvalidKinds.All.Count)] : GenerativeSection.Valid;
            outputs[kind] = outputs.GetValueOrDefault(kind) + 1;
            for (var f = 0; f < Fields.Length; f++)
            {
                var values = Fields[f].Values.Count;
                counts[f].Add(random.Next(values), invalid ? values : random.Next(values));
            }
        }

        var summary = new InputSummary { DocumentsRead = n, DocumentsEvaluated = n };
        return GenerativeResults.Build(GenerativeExtractionTask.TaskName, Fields, counts, outputs, random.Next(0, 3), Decoding, summary);
    }
}
