namespace Partages.NodeAgent.Engine.Tests.Datasets;

public sealed class CsvDocumentReaderTests
{
    private static readonly string[] Labels = ["sensible", "BLSE"];

    [Test]
    public void TryRead_QuotedFieldsWithCommasQuotesAndNewlines_ReadsThemVerbatim()
    {
        var reader = Reader(
            "id,text,label\r\n" +
            "1,souche simple,BLSE\r\n" +
            "2,\"souche, avec virgule\",sensible\r\n" +
            "3,\"il dit \"\"blse\"\"\",BLSE\n" +
            "4,\"ligne un\r\nligne deux\nligne trois\",sensible\n" +
            "\"5\",\"\"\"\",BLSE");

        var documents = DocumentReading.ReadAll(reader);

        documents.Should().Equal(
            new LabeledDocument("souche simple", 1),
            new LabeledDocument("souche, avec virgule", 0),
            new LabeledDocument("il dit \"blse\"", 1),
            new LabeledDocument("ligne un\r\nligne deux\nligne trois", 0),
            new LabeledDocument("\"", 1));
        reader.DocumentsRead.Should().Be(5);
        reader.Skipped.Total.Should().Be(0);
    }

    [Test]
    public void TryRead_ColumnsInAnotherOrderWithExtras_ReadsByName()
    {
        var reader = Reader("site,label,text,id\nnord,BLSE,souche,1\n");

        DocumentReading.ReadAll(reader).Should().Equal(new LabeledDocument("souche", 1));
    }

    [Test]
    public void TryRead_Record_CarriesItsIdForLocalModePredictions()
    {
        var reader = Reader("label,text,id\nBLSE,souche,r-42\n");

        reader.TryRead(out var document).Should().BeTrue();

        document.Id.Should().Be("r-42");
    }

    [Test]
    public void TryRead_BadRecords_CountsEachKindAndKeepsReading()
    {
        var reader = Reader(
            "id,text,label\n" +
            "1,souche,BLSE\n" +
            "2,trop,de,champs,BLSE\n" +          // 5 fields for 3 columns
            "3,pas assez\n" +                       // 2 fields
            "4,guillemet \" dedans,BLSE\n" +        // a quote inside an unquoted field
            "5,\"ferme\" puis texte,BLSE\n" +       // text after a closing quote
            "6,souche,\n" +                         // empty label
            "7,\"  \",BLSE\n" +                     // blank text
            "8,souche,VRE\n" +                      // unknown label
            "1,souche,sensible\n" +                 // duplicate id
            "\n   \n" +                             // layout
            "9,souche,sensible\n" +
            "10,\"jamais ferme,BLSE\n11,souche,BLSE\n");  // an open quote swallows the rest into one malformed record

        var documents = DocumentReading.ReadAll(reader);

        documents.Should().Equal(new LabeledDocument("souche", 1), new LabeledDocument("souche", 0));
        SkipTally.Merge(reader.Skipped).Should().Equal(new Dictionary<string, long>
        {
            [SkipKinds.DuplicateId] = 1,
            [SkipKinds.EmptyText] = 1,
            [SkipKinds.MalformedCsv] = 5,
            [SkipKinds.MissingLabel] = 1,
            [SkipKinds.UnknownLabel] = 1,
        });
        reader.DocumentsRead.Should().Be(reader.Skipped.Total + documents.Count, "every record is either evaluated or counted");
    }

    [Test]
    public void TryRead_InvalidUtf8Record_IsCountedAndTheNextRecordIsRead()
    {
        byte[] bytes = [.. "id,text,label\n1,caf"u8, 0xC3, 0x28, .. ",BLSE\n2,café,BLSE\n"u8];
        var reader = new CsvDocumentReader(new MemoryStream(bytes), Labels, maxRecordBytes: 1024);

        DocumentReading.ReadAll(reader).Should().Equal(new LabeledDocument("café", 1));
        SkipTally.Merge(reader.Skipped).Should().Equal(new Dictionary<string, long> { [SkipKinds.InvalidUtf8] = 1 });
    }

    [Test]
    public void TryRead_RecordLongerThanTheLimit_IsCountedWithoutBufferingIt()
    {
        var reader = Reader($"id,text,label\n1,\"{new string('x', 300)}\nstill inside\",BLSE\n2,souche,BLSE\n", maxRecordBytes: 256);

        DocumentReading.ReadAll(reader).Should().Equal(new LabeledDocument("souche", 1));
        SkipTally.Merge(reader.Skipped).Should().Equal(new Dictionary<string, long> { [SkipKinds.LineTooLong] = 1 });
    }

    [TestCase("1,souche,BLSE\n")]
    [TestCase("id,texte,label\n1,souche,BLSE\n")]
    [TestCase("id,text,label,text\n1,a,BLSE,b\n")]
    [TestCase("")]
    [TestCase("\"id,text,label\n")]
    public void TryRead_NoUsableHeader_Refuses(string content)
    {
        var reader = Reader(content);

        var act = () => reader.TryRead(out _);

        act.Should().Throw<EvaluationRefusedException>().WithMessage("*header*");
    }

    [TestCase("a,b,c", new[] { "a", "b", "c" })]
    [TestCase("a,,", new[] { "a", "", "" })]
    [TestCase("\"\"", new[] { "" })]
    [TestCase("\"a\"\"b\",c", new[] { "a\"b", "c" })]
    public void TrySplit_ValidRecord_GivesTheFields(string record, string[] expected)
    {
        var fields = new List<string>();

        CsvDocumentReader.TrySplit(record, fields, new StringBuilder()).Should().BeTrue();

        fields.Should().Equal(expected);
    }

    private static CsvDocumentReader Reader(string content, int maxRecordBytes = 1024) =>
        new(new MemoryStream(Encoding.UTF8.GetBytes(content)), Labels, maxRecordBytes);
}
