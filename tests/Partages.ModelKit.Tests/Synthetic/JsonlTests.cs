using System.Text;

namespace Partages.ModelKit.Tests.Synthetic;

public sealed class JsonlTests
{
    [Test]
    public void ToBytes_Reports_OneUtf8LinePerDocumentWithoutBom()
    {
        var reports = AmrReportGenerator.Generate(SyntheticHospitals.ChuValmont, 10, seed: 3);

        var bytes = Jsonl.ToBytes(reports);

        bytes.Take(3).Should().NotEqual(new byte[] { 0xEF, 0xBB, 0xBF });
        var text = Encoding.UTF8.GetString(bytes);
        text.Should().EndWith("\n").And.NotContain("\r");
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(10);
        text.Should().Contain("PRÉLÈVEMENT", because: "accented letters are written as themselves, not as \\u escapes");
    }

    [Test]
    public async Task ReadAsync_WrittenCorpora_RoundTrip()
    {
        var amr = AmrReportGenerator.Generate(SyntheticHospitals.HopitalKerbrac, 25, seed: 5);
        var oncology = OncologyReportGenerator.Generate(SyntheticHospitals.HopitalKerbrac, 25, seed: 5);
        var directory = TestAssets.NewDirectory("jsonl");
        Directory.CreateDirectory(directory);
        var amrPath = Path.Combine(directory, "amr.jsonl");
        var oncologyPath = Path.Combine(directory, "oncology.jsonl");
        await File.WriteAllBytesAsync(amrPath, Jsonl.ToBytes(amr));
        await File.WriteAllBytesAsync(oncologyPath, Jsonl.ToBytes(oncology));

        var amrBack = await Jsonl.ReadAmrAsync(amrPath);
        var oncologyBack = await Jsonl.ReadOncologyAsync(oncologyPath);

        amrBack.Should().Equal(amr);
        oncologyBack.Should().BeEquivalentTo(oncology, options => options.WithStrictOrdering());
    }
}
