namespace Partages.NodeAgent.Engine.Tests.Datasets;

public sealed class Utf8LineReaderTests
{
    [Test]
    public void ReadLine_MixedLineEndsWithBomAndNoFinalNewline_ReturnsEachLineWithoutTerminators()
    {
        var lines = ReadAll([0xEF, 0xBB, 0xBF, .. "un\r\ndeux\n\ntrois"u8], maxLineBytes: 256);

        lines.Should().Equal("un", "deux", "", "trois");
    }

    [Test]
    public void ReadLine_LineLongerThanTheLimit_IsReportedTooLongAndTheNextLineIsIntact()
    {
        var text = "court\n" + new string('x', 1000) + "\nsuivant\n";

        var lines = ReadAll(Encoding.UTF8.GetBytes(text), maxLineBytes: 300);

        lines.Should().Equal("court", "<too long>", "suivant");
    }

    [Test]
    public void ReadLine_LinesLongerThanTheInitialBuffer_AreReassembledAcrossReads()
    {
        var longLine = new string('a', 150_000);

        var lines = ReadAll(Encoding.UTF8.GetBytes(longLine + "\n" + longLine), maxLineBytes: 200_000, chunk: 7_777);

        lines.Should().Equal(longLine, longLine);
    }

    [Test]
    public void ReadLine_TooLongLastLineWithoutNewline_IsReportedOnce()
    {
        var lines = ReadAll(Encoding.UTF8.GetBytes("ok\n" + new string('z', 5000)), maxLineBytes: 256);

        lines.Should().Equal("ok", "<too long>");
    }

    [TestCase(int.MaxValue)]
    [TestCase(1)]
    public void ReadLine_QuoteAwareRecordsReadInAnyChunks_KeepLineBreaksInsideQuotedFields(int chunk)
    {
        const string text = "a,\"un\ndeux\",b\r\nc,\"dit \"\"x\"\"\n\",d\ne,f \" g\nh,\"\"\n\"ouvert\nsans fin";

        var lines = ReadAll(Encoding.UTF8.GetBytes(text), maxLineBytes: 256, chunk, quoteAware: true);

        // A quote inside an unquoted field ("f \" g") is literal; a quote left open runs to the end.
        lines.Should().Equal("a,\"un\ndeux\",b", "c,\"dit \"\"x\"\"\n\",d", "e,f \" g", "h,\"\"", "\"ouvert\nsans fin");
    }

    [Test]
    public void ReadLine_QuoteAwareRecordTooLong_SkipsToTheEndOfTheRecordNotOfTheLine()
    {
        var text = "1,\"" + new string('x', 400) + "\nencore dedans\",z\n2,ok\n";

        var lines = ReadAll(Encoding.UTF8.GetBytes(text), maxLineBytes: 256, quoteAware: true);

        lines.Should().Equal("<too long>", "2,ok");
    }

    private static List<string> ReadAll(byte[] bytes, int maxLineBytes, int chunk = int.MaxValue, bool quoteAware = false)
    {
        var reader = new Utf8LineReader(new TrickleStream(bytes, chunk), maxLineBytes, quoteAware: quoteAware);
        var lines = new List<string>();
        while (reader.ReadLine(out var line, out var tooLong))
        {
            lines.Add(tooLong ? "<too long>" : Encoding.UTF8.GetString(line));
        }

        return lines;
    }

    /// <summary>Returns at most <c>chunk</c> bytes per read, as a network file system or a pipe may.</summary>
    private sealed class TrickleStream(byte[] bytes, int chunk) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
    }
}
