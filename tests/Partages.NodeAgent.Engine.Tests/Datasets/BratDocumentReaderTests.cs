namespace Partages.NodeAgent.Engine.Tests.Datasets;

public sealed class BratDocumentReaderTests : TempDirectoryTestBase
{
    private static readonly string[] Labels = ["GERME", "ANTIBIO"];

    [Test]
    public void TryRead_TextBoundLines_YieldsTextAndSortedSpansIgnoringOtherLines()
    {
        Write("a", "E. coli sous cefotaxime", "T2\tANTIBIO 13 23\tcefotaxime\nT1\tGERME 0 7\tE. coli\nA1\tNegation T1\n#1\tAnnotatorNotes T1\tnote\nR1\tTraite Arg1:T2 Arg2:T1\n");

        var reader = Reader();

        reader.TryRead(out var document).Should().BeTrue();
        document.Text.Should().Be("E. coli sous cefotaxime");
        document.Entities.Should().Equal(new EntitySpan(0, 7, 0), new EntitySpan(13, 23, 1));
        reader.TryRead(out _).Should().BeFalse();
        reader.DocumentsRead.Should().Be(1);
    }

    [Test]
    public void TryRead_OffsetsAfterAnAstralCharacter_AreCodePointsConvertedToUtf16()
    {
        // "🦠" is one code point for brat (Python) and two UTF-16 units for .NET.
        Write("a", "🦠 sarm", "T1\tGERME 2 6\tsarm\n");

        Reader().TryRead(out var document).Should().BeTrue();

        document.Entities.Should().Equal(new EntitySpan(3, 7, 0));
        document.Text[3..7].Should().Be("sarm");
    }

    [Test]
    public void TryRead_DiscontinuousSpan_KeepsTheCoveringSpanAndCountsANote()
    {
        Write("a", "souche E. tres coli", "T1\tGERME 7 9;15 19\tE. coli\n");

        var reader = Reader();

        reader.TryRead(out var document).Should().BeTrue();
        document.Entities!.Select(e => (e.Start, e.End, e.Label)).Should().Equal((7, 19, 0));
        document.Entities![0].Qualifiers!.Fragments.Should().Equal([(7, 9), (15, 19)], "the fragments are kept for ner_fragments");
        SkipTally.Merge(reader.Notes).Should().Equal(new Dictionary<string, long> { [AnnotationNotes.DiscontinuousSpan] = 1 });
        reader.Skipped.Total.Should().Be(0);
    }

    [Test]
    public void TryRead_BadDocuments_CountsEachKindOnceAndKeepsTheGoodOnes()
    {
        Write("01-ok", "sarm", "T1\tGERME 0 4\tsarm\n");
        Write("02-out", "sarm", "T1\tGERME 0 5\tsarm?\n");
        Write("03-empty-span", "sarm", "T1\tGERME 2 2\t\n");
        Write("04-overlap", "e coli blse", "T1\tGERME 0 6\te coli\nT2\tGERME 2 6\tcoli\n");
        Write("05-covering-overlaps", "e coli x blse", "T1\tGERME 0 1;9 13\te blse\nT2\tANTIBIO 2 6\tcoli\n");
        Write("06-malformed", "sarm", "T1\tGERME zero 4\tsarm\n");
        Write("07-unknown", "sarm", "T1\tVIRUS 0 4\tsarm\n");
        Write("08-no-ann", "sarm", null);
        Write("09-blank", "  \n", "");
        File.WriteAllBytes(Path.Combine(Temp.Path, "10-utf8.txt"), [0xC3, 0x28]);
        File.WriteAllText(Path.Combine(Temp.Path, "10-utf8.ann"), "");
        Write("11-no-entities", "rien", "");

        var reader = Reader();
        var documents = DocumentReading.ReadAll(reader);

        documents.Select(d => d.Text).Should().Equal("sarm", "rien");
        documents[1].Entities.Should().BeEmpty();
        SkipTally.Merge(reader.Skipped).Should().Equal(new Dictionary<string, long>
        {
            [SkipKinds.EmptyText] = 1,
            [SkipKinds.InvalidUtf8] = 1,
            [SkipKinds.MalformedAnnotation] = 1,
            [SkipKinds.MissingAnnotations] = 1,
            [SkipKinds.OffsetOutOfRange] = 2,
            [SkipKinds.OverlappingSpan] = 2,
            [SkipKinds.UnknownLabel] = 1,
        });
        reader.DocumentsRead.Should().Be(11).And.Be(documents.Count + reader.Skipped.Total);
    }

    private BratDocumentReader Reader() => new(new DirectoryInfo(Temp.Path), Labels, maxFileBytes: 1 << 20);

    private void Write(string name, string text, string? annotations)
    {
        File.WriteAllText(Path.Combine(Temp.Path, name + ".txt"), text, new UTF8Encoding(false));
        if (annotations is not null)
        {
            File.WriteAllText(Path.Combine(Temp.Path, name + ".ann"), annotations, new UTF8Encoding(false));
        }
    }
}
