using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Partages.NodeAgent.Engine.Telemetry;

namespace Partages.NodeAgent.Engine.Tests.Ner;

/// <summary>
/// The brat notes and every problem of a set-aside document reach the node's own metrics (where docs/datasets.md
/// says they appear), while the released result counts the set-aside document once.
/// </summary>
public sealed class BratNotesTelemetryTests
{
    private static readonly TokenTableGraph Graph = new()
    {
        Words = ["egfr", "non", "mute", "xx"],
        TagOf = new Dictionary<string, int> { ["egfr"] = 1, ["non"] = 3, ["mute"] = 4 },
        MaxLength = 32,
    };

    [Test]
    public async Task EvaluateAsync_DiscontinuousSpanAndMultiProblemDocument_NotesAndProblemsInNodeMetricsSkippedOnceInResult()
    {
        using var directory = new TestDirectory();
        var folder = Directory.CreateDirectory(directory.File("brat")).FullName;
        // "non … muté" in two fragments; kept as the covering span and noted.
        Write(folder, "a", "EGFR : non xx muté.", "T1\tBIOMARKER 0 4\tEGFR\nT2\tSTATUS 7 10;14 18\tnon muté\n");
        // An unknown label and a mention that is not the text at its offsets: skipped once, both problems counted locally.
        Write(folder, "b", "EGFR : non muté.", "T1\tVIRUS 0 4\tEGFR\nT2\tSTATUS 7 15\tnon mute\n");
        var bundlePath = directory.File("model.zip");
        await File.WriteAllBytesAsync(bundlePath, Graph.ToBundle());
        var spec = new EvaluationSpec { Name = "ner", Task = TaskTypes.TokenClassification, Dataset = "oncology", Labels = ["BIOMARKER", "STATUS"] };
        var job = new EvaluationJob(bundlePath, spec, new DatasetDefinition("oncology", folder, DatasetFormats.Brat));
        var measured = new ConcurrentDictionary<(string Instrument, string Kind), long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == EngineTelemetry.Name && instrument.Name is "partages.engine.annotation.notes" or "partages.engine.documents.problems")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "kind")
                {
                    measured.AddOrUpdate((instrument.Name, (string)tag.Value!), value, (_, sum) => sum + value);
                }
            }
        });
        listener.Start();

        var result = await new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        listener.Dispose();
        result.InputSummary.Skipped.Should().Equal(new Dictionary<string, long> { [SkipKinds.UnknownLabel] = 1 });
        result.InputSummary.DocumentsRead.Should().Be(2);
        result.Schemes![NerSchemes.Strict].Overall.Correct.Should().Be(1, "EGFR; the covering span of STATUS differs from the predicted \"non\" and \"muté\"");
        measured.Should().Contain(new KeyValuePair<(string, string), long>(("partages.engine.annotation.notes", AnnotationNotes.DiscontinuousSpan), 1));
        measured.Should().Contain(new KeyValuePair<(string, string), long>(("partages.engine.documents.problems", SkipKinds.UnknownLabel), 1));
        measured.Should().Contain(new KeyValuePair<(string, string), long>(("partages.engine.documents.problems", SkipKinds.MentionMismatch), 1));
    }

    private static void Write(string folder, string name, string text, string annotations)
    {
        File.WriteAllText(Path.Combine(folder, name + ".txt"), text, new UTF8Encoding(false));
        File.WriteAllText(Path.Combine(folder, name + ".ann"), annotations, new UTF8Encoding(false));
    }
}
