namespace Partages.NodeAgent.Engine.Tests.Datasets;

/// <summary>Issue 21's brat rules: the byte order mark decided per file from the mentions, mentions checked, orphans and multi-problem documents counted.</summary>
public sealed class BratReaderRulesTests : TempDirectoryTestBase
{
    private const string Bom = "\uFEFF";

    private static readonly string[] Labels = ["GERME", "ANTIBIO"];

    [Test]
    public void TryRead_BomCountedByTheOffsets_KeepsTheMarkAsCharacterZeroWithoutNote()
    {
        // Written by brat: the mark is character 0, "sarm" is 1–5.
        Write("a", Bom + "sarm sous cefotaxime", "T1\tGERME 1 5\tsarm\nT2\tANTIBIO 11 21\tcefotaxime\n");

        var reader = Reader();

        reader.TryRead(out var document).Should().BeTrue();
        document.Text.Should().StartWith(Bom);
        document.Entities.Should().Equal(new EntitySpan(1, 5, 0), new EntitySpan(11, 21, 1));
        reader.Notes.Total.Should().Be(0);
        reader.Skipped.Total.Should().Be(0);
    }

    [Test]
    public void TryRead_BomAddedAfterAnnotation_DropsTheMarkAndNotesBomNotCounted()
    {
        // Annotated without the mark, then saved "UTF-8 with BOM": offsets count from "sarm".
        Write("a", Bom + "sarm sous cefotaxime", "T1\tGERME 0 4\tsarm\nT2\tANTIBIO 10 20\tcefotaxime\n");

        var reader = Reader();

        reader.TryRead(out var document).Should().BeTrue();
        document.Text.Should().Be("sarm sous cefotaxime");
        document.Entities.Should().Equal(new EntitySpan(0, 4, 0), new EntitySpan(10, 20, 1));
        SkipTally.Merge(reader.Notes).Should().Equal(new Dictionary<string, long> { [AnnotationNotes.BomNotCounted] = 1 });
        reader.Skipped.Total.Should().Be(0);
    }

    [Test]
    public void TryRead_BomWithMentionsMatchingNeitherWay_SkippedAsMentionMismatch()
    {
        Write("a", Bom + "sarm sous cefotaxime", "T1\tGERME 0 4\tblse\n");

        var reader = Reader();

        reader.TryRead(out _).Should().BeFalse();
        SkipTally.Merge(reader.Skipped).Should().Equal(new Dictionary<string, long> { [SkipKinds.MentionMismatch] = 1 });
        reader.Notes.Total.Should().Be(0);
    }

    [Test]
    public void TryRead_MentionTextDiffersFromItsOffsets_SkippedAsMentionMismatch()
    {
        Write("01-shifted", "le sarm", "T1\tGERME 2 6\tsarm\n");
        Write("02-ok", "le sarm", "T1\tGERME 3 7\tsarm\n");

        var reader = Reader();

        reader.TryRead(out var document).Should().BeTrue();
        document.Entities.Should().Equal(new EntitySpan(3, 7, 0));
        reader.TryRead(out _).Should().BeFalse();
        SkipTally.Merge(reader.Skipped).Should().Equal(new Dictionary<string, long> { [SkipKinds.MentionMismatch] = 1 });
    }

    [Test]
    public void TryRead_OrphanAnnotationFile_ReadAfterTheTextsAndSkippedAsOrphanAnnotations()
    {
        Write("a-orphan", null, "T1\tGERME 0 4\tsarm\n");
        Write("b", "sarm", "T1\tGERME 0 4\tsarm\n");

        var reader = Reader();

        reader.TryRead(out var document).Should().BeTrue();
        document.Text.Should().Be("sarm");
        reader.TryRead(out _).Should().BeFalse();
        SkipTally.Merge(reader.Skipped).Should().Equal(new Dictionary<string, long> { [SkipKinds.OrphanAnnotations] = 1 });
        reader.DocumentsRead.Should().Be(2).And.Be(1 + reader.Skipped.Total);
        DatasetScanner.Scan(new DatasetDefinition("d", Temp.Path, DatasetFormats.Brat), 1 << 20, fingerprint: true, CancellationToken.None)
            .Documents.Should().Be(2, "the progress total counts the orphan like the reader");
    }

    [Test]
    public void TryRead_DiscontinuousSpan_NotedOncePerSpanWithTheFragmentsJoinedBySpaceAsMention()
    {
        Write("a", "souche E. tres coli et E. x coli", "T1\tGERME 7 9;15 19\tE. coli\nT2\tGERME 23 25;28 32\tE. coli\n");

        var reader = Reader();

        reader.TryRead(out var document).Should().BeTrue();
        document.Entities!.Select(e => (e.Start, e.End, e.Label)).Should().Equal((7, 19, 0), (23, 32, 0));
        document.Entities!.Select(e => e.Qualifiers!.Fragments!.Length).Should().Equal(2, 2);
        SkipTally.Merge(reader.Notes).Should().Equal(new Dictionary<string, long> { [AnnotationNotes.DiscontinuousSpan] = 2 });
    }

    [Test]
    public void TryRead_DocumentWithSeveralProblems_SkippedOnceUnderTheFirstAndEveryProblemCountedLocally()
    {
        Write("a", "sarm et blse", "T1\tVIRUS 0 4\tsarm\nT2\tGERME 0 40\tsarm\nT3\tGERME 0 4\tblse\nT4\tGERME zero 4\tsarm\nT5\tGERME 8 12\tblse\n");
        Write("b", "sarm", "T1\tVIRUS 0 4\tsarm\n");

        var reader = Reader();

        reader.TryRead(out _).Should().BeFalse();
        SkipTally.Merge(reader.Skipped).Should().Equal(
            new Dictionary<string, long> { [SkipKinds.UnknownLabel] = 2 },
            "the released skip counts move by one unit per document, whatever it holds");
        SkipTally.Merge(reader.Problems).Should().Equal(new Dictionary<string, long>
        {
            [SkipKinds.MalformedAnnotation] = 1,
            [SkipKinds.MentionMismatch] = 1,
            [SkipKinds.OffsetOutOfRange] = 1,
            [SkipKinds.UnknownLabel] = 2,
        });
        reader.DocumentsRead.Should().Be(2);
    }

    private BratDocumentReader Reader() => new(new DirectoryInfo(Temp.Path), Labels, maxFileBytes: 1 << 20);

    private void Write(string name, string? text, string annotations)
    {
        if (text is not null)
        {
            File.WriteAllText(Path.Combine(Temp.Path, name + ".txt"), text, new UTF8Encoding(false));
        }

        File.WriteAllText(Path.Combine(Temp.Path, name + ".ann"), annotations, new UTF8Encoding(false));
    }
}
