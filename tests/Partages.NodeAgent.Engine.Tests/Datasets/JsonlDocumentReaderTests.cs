namespace Partages.NodeAgent.Engine.Tests.Datasets;

public sealed class JsonlDocumentReaderTests
{
    private static readonly string[] Labels = ["sensible", "BLSE"];

    [TestCase("""{"id":"1","text":"souche","label":"BLSE"}""", null)]
    [TestCase("""{"label":"BLSE","extra":{"a":[1,{"b":null}]},"text":"souche","id":"1"}""", null)]
    [TestCase("""{"\u0069d":"1","text":"souche","label":"BLSE"}""", null)]
    [TestCase("""  {"id":"1","text":"souche","label":"BLSE"}  """, null)]
    [TestCase("""{"id":"1","text":"souche","label":"BLSE"}{}""", SkipKinds.MalformedJson)]
    [TestCase("""{"id":"1","text":"souche","label":"BLSE",}""", SkipKinds.MalformedJson)]
    [TestCase("""{"id":"1","id":"2","text":"souche","label":"BLSE"}""", SkipKinds.MalformedJson)]
    [TestCase("""{"id":null,"text":"souche","label":"BLSE"}""", SkipKinds.MalformedJson)]
    [TestCase("""{"id":"1","text":42,"label":"BLSE"}""", SkipKinds.MalformedJson)]
    [TestCase("""{"id":"1","label":"BLSE"}""", SkipKinds.MalformedJson)]
    [TestCase("""{"id":"1","text":"souche","label":["BLSE"]}""", SkipKinds.MalformedJson)]
    [TestCase("\"just a string\"", SkipKinds.MalformedJson)]
    [TestCase("""{"id":"1","text":"lone \uD800 surrogate","label":"BLSE"}""", SkipKinds.MalformedJson)]
    [TestCase("""{"id":"\uDC00","text":"souche","label":"BLSE"}""", SkipKinds.MalformedJson)]
    [TestCase("""{"id":"1","text":"souche","label":""}""", SkipKinds.MissingLabel)]
    [TestCase("""{"id":"1","text":"","label":""}""", SkipKinds.MissingLabel)]
    [TestCase("""{"id":"1","text":"\n\t","label":"BLSE"}""", SkipKinds.EmptyText)]
    [TestCase("""{"id":"1","text":"souche","label":"blse"}""", SkipKinds.UnknownLabel)]
    public void TryRead_OneLine_AcceptsOrSkipsByKind(string line, string? expectedSkip)
    {
        var reader = Reader(line);

        var read = reader.TryRead(out var document);

        reader.DocumentsRead.Should().Be(1);
        if (expectedSkip is null)
        {
            read.Should().BeTrue();
            document.Should().Be(new LabeledDocument("souche", 1) { Id = "1" });
            reader.Skipped.Total.Should().Be(0);
        }
        else
        {
            read.Should().BeFalse();
            SkipTally.Merge(reader.Skipped).Should().Equal(new Dictionary<string, long> { [expectedSkip] = 1 });
        }
    }

    [Test]
    public void TryRead_SameIdTwice_KeepsTheFirstAndCountsTheSecond()
    {
        var reader = Reader(
            """{"id":"r1","text":"premier","label":"BLSE"}""",
            """{"id":"r1","text":"second","label":"sensible"}""",
            """{"id":"r2","text":"autre","label":"sensible"}""");

        var documents = DocumentReading.ReadAll(reader);

        documents.Should().Equal(new LabeledDocument("premier", 1), new LabeledDocument("autre", 0));
        SkipTally.Merge(reader.Skipped).Should().Equal(new Dictionary<string, long> { [SkipKinds.DuplicateId] = 1 });
    }

    [Test]
    public void TryRead_IdOfASkippedLine_DoesNotBlockALaterValidLine()
    {
        var reader = Reader(
            """{"id":"r1","text":"","label":"BLSE"}""",
            """{"id":"r1","text":"corrige","label":"BLSE"}""");

        DocumentReading.ReadAll(reader).Should().Equal(new LabeledDocument("corrige", 1));
    }

    [Test]
    public void TryRead_InvalidUtf8_IsCountedAndTheNextLineIsRead()
    {
        byte[] bytes = [.. "{\"id\":\"1\",\"text\":\"caf"u8, 0xC3, 0x28, .. "\",\"label\":\"BLSE\"}\n"u8, .. "{\"id\":\"2\",\"text\":\"café\",\"label\":\"BLSE\"}"u8];
        var reader = new JsonlDocumentReader(new MemoryStream(bytes), Labels, maxLineBytes: 1024);

        DocumentReading.ReadAll(reader).Should().Equal(new LabeledDocument("café", 1));
        SkipTally.Merge(reader.Skipped).Should().Equal(new Dictionary<string, long> { [SkipKinds.InvalidUtf8] = 1 });
        reader.DocumentsRead.Should().Be(2);
    }

    [TestCase("""{"id":"1","text":"souche","labels":["BLSE","sensible","BLSE"]}""", new[] { 0, 1 }, null)]
    [TestCase("""{"id":"1","text":"souche","labels":[],"label":42}""", new int[0], null)]
    [TestCase("""{"id":"1","text":"souche","labels":null}""", null, SkipKinds.MissingLabel)]
    [TestCase("""{"id":"1","text":"souche","label":"BLSE"}""", null, SkipKinds.MissingLabel)]
    [TestCase("""{"id":"1","text":"souche","labels":"BLSE"}""", null, SkipKinds.MalformedJson)]
    [TestCase("""{"id":"1","text":"souche","labels":["BLSE",3]}""", null, SkipKinds.MalformedJson)]
    [TestCase("""{"id":"1","text":"souche","labels":["BLSE",""]}""", null, SkipKinds.MalformedJson)]
    [TestCase("""{"id":"1","text":"souche","labels":["BLSE","VRE"]}""", null, SkipKinds.UnknownLabel)]
    public void TryRead_MultiLabelLine_ReadsTheLabelSetOrSkipsByKind(string line, int[]? expectedLabels, string? expectedSkip)
    {
        var reader = new JsonlDocumentReader(new MemoryStream(Encoding.UTF8.GetBytes(line)), Labels, 1024, GoldKind.MultiLabel);

        var read = reader.TryRead(out var document);

        read.Should().Be(expectedSkip is null);
        if (expectedSkip is null)
        {
            document.Labels.Should().Equal(expectedLabels);
            document.Label.Should().Be(-1);
        }
        else
        {
            SkipTally.Merge(reader.Skipped).Should().Equal(new Dictionary<string, long> { [expectedSkip] = 1 });
        }
    }

    [TestCase("""{"id":"1","text":"sarm blse","entities":[{"start":5,"end":9,"label":"BLSE"},{"start":0,"end":4,"label":"sensible","note":"x"}]}""", null)]
    [TestCase("""{"id":"1","text":"sarm blse","entities":[{"start":5,"end":10,"label":"BLSE"}]}""", SkipKinds.OffsetOutOfRange)]
    [TestCase("""{"id":"1","text":"sarm blse","entities":[{"start":-1,"end":3,"label":"BLSE"}]}""", SkipKinds.OffsetOutOfRange)]
    [TestCase("""{"id":"1","text":"sarm blse","entities":[{"start":4,"end":4,"label":"BLSE"}]}""", SkipKinds.OffsetOutOfRange)]
    [TestCase("""{"id":"1","text":"sarm blse","entities":[{"start":0,"end":6,"label":"BLSE"},{"start":5,"end":9,"label":"BLSE"}]}""", SkipKinds.OverlappingSpan)]
    [TestCase("""{"id":"1","text":"sarm blse","entities":[{"start":0,"end":4,"label":"VRE"}]}""", SkipKinds.UnknownLabel)]
    [TestCase("""{"id":"1","text":"sarm blse","entities":[{"start":0,"end":4.5,"label":"BLSE"}]}""", SkipKinds.MalformedJson)]
    [TestCase("""{"id":"1","text":"sarm blse","entities":[{"start":0,"label":"BLSE"}]}""", SkipKinds.MalformedJson)]
    [TestCase("""{"id":"1","text":"sarm blse","entities":{"start":0,"end":4,"label":"BLSE"}}""", SkipKinds.MalformedJson)]
    [TestCase("""{"id":"1","text":"sarm blse"}""", SkipKinds.MissingLabel)]
    public void TryRead_EntitiesLine_ChecksOffsetsAndCountsBadSpans(string line, string? expectedSkip)
    {
        var reader = new JsonlDocumentReader(new MemoryStream(Encoding.UTF8.GetBytes(line)), Labels, 1024, GoldKind.Entities);

        var read = reader.TryRead(out var document);

        read.Should().Be(expectedSkip is null);
        if (expectedSkip is null)
        {
            document.Entities.Should().Equal(new EntitySpan(0, 4, 0), new EntitySpan(5, 9, 1));
        }
        else
        {
            SkipTally.Merge(reader.Skipped).Should().Equal(new Dictionary<string, long> { [expectedSkip] = 1 });
        }
    }

    [Test]
    public void TryRead_EntitiesLineWithSeveralProblems_SkippedOnceUnderTheFirstAndEveryProblemCountedLocally()
    {
        // An unknown label, then a span past the end, then two spans sharing characters.
        const string line = """{"id":"1","text":"sarm blse","entities":[{"start":0,"end":4,"label":"VRE"},{"start":5,"end":10,"label":"BLSE"},{"start":0,"end":6,"label":"BLSE"},{"start":5,"end":9,"label":"BLSE"}]}""";
        var reader = new JsonlDocumentReader(new MemoryStream(Encoding.UTF8.GetBytes(line)), Labels, 1024, GoldKind.Entities);

        reader.TryRead(out _).Should().BeFalse();

        SkipTally.Merge(reader.Skipped).Should().Equal(
            new Dictionary<string, long> { [SkipKinds.UnknownLabel] = 1 },
            "the released skip counts move by one unit per line, whatever it holds");
        SkipTally.Merge(reader.Problems).Should().Equal(new Dictionary<string, long>
        {
            [SkipKinds.OffsetOutOfRange] = 1,
            [SkipKinds.OverlappingSpan] = 1,
            [SkipKinds.UnknownLabel] = 1,
        });
    }

    [Test]
    public void TryRead_EntityOffsetsPastAnEmoji_CountCodePointsLikePython()
    {
        const string line = """{"id":"1","text":"\ud83e\udda0 sarm","entities":[{"start":2,"end":6,"label":"BLSE"}]}""";
        var reader = new JsonlDocumentReader(new MemoryStream(Encoding.UTF8.GetBytes(line)), Labels, 1024, GoldKind.Entities);

        reader.TryRead(out var document).Should().BeTrue();

        document.Entities.Should().Equal(new EntitySpan(3, 7, 1));
    }

    [Test]
    public void TryRead_SingleLabelRunWithBadEntities_IgnoresTheFieldsItDoesNotNeed()
    {
        var reader = Reader("""{"id":"1","text":"souche","label":"BLSE","labels":"oops","entities":[{"start":99}]}""");

        DocumentReading.ReadAll(reader).Should().Equal(new LabeledDocument("souche", 1));
    }

    private static JsonlDocumentReader Reader(params string[] lines) =>
        new(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines))), Labels, maxLineBytes: 1024);
}
