namespace Partages.NodeAgent.Engine.Resilience;

/// <summary>
/// Reads a dataset for one segment of a run (<see cref="RunPlan"/>): numbers the usable documents in reading order,
/// reads those before the plan's start without handing them out (so duplicate ids are still recognised), and counts
/// lines and skipped lines from there only, so segments add up without counting a line twice.
/// </summary>
internal sealed class SegmentReader
{
    private readonly IDocumentReader _reader;
    private readonly RunPlan _plan;
    private IReadOnlyDictionary<string, long> _skippedBefore = new SortedDictionary<string, long>(StringComparer.Ordinal);
    private long _next;
    private bool _started;

    public SegmentReader(IDocumentReader reader, RunPlan plan)
    {
        _reader = reader;
        _plan = plan;
        _started = plan.StartDocument == 0;
        if (_started && plan.StartLine != 0)
        {
            throw new ArgumentException("A plan starting at document 0 starts at line 0.", nameof(plan));
        }
    }

    /// <summary>Lines read since the file's start (the reader's count), the unit of checkpoints and progress.</summary>
    public long DocumentsRead => _reader.DocumentsRead;

    /// <summary>The lines this segment counts: those after the plan's <see cref="RunPlan.StartLine"/>.</summary>
    public long LinesSinceStart => _reader.DocumentsRead - _plan.StartLine;

    /// <summary>The next document of this segment and its number.</summary>
    /// <exception cref="InvalidOperationException">The file no longer reads as when the plan was made (it changed under the run).</exception>
    public bool TryRead(out LabeledDocument document, out long ordinal)
    {
        while (_reader.TryRead(out document))
        {
            ordinal = _next++;
            if (ordinal >= _plan.StartDocument)
            {
                return true;
            }

            if (ordinal == _plan.StartDocument - 1)
            {
                MarkStart();
            }
        }

        if (!_started)
        {
            throw new InvalidOperationException($"The dataset has {_next} usable documents, fewer than the {_plan.StartDocument} the run had already counted: it changed during the run.");
        }

        ordinal = -1;
        return false;
    }

    /// <summary>Where the reader stands now (call it right after <see cref="TryRead"/> returned a document).</summary>
    public ReadPosition Position(bool withSkips) => new(DocumentsRead, LinesSinceStart, withSkips ? SkippedSinceStart() : null);

    /// <summary>Skipped lines by kind, counted by this segment so far.</summary>
    public SortedDictionary<string, long> SkippedSinceStart() => SkipTally.Since(_reader.Skipped.Snapshot(), _skippedBefore);

    private void MarkStart()
    {
        if (_reader.DocumentsRead != _plan.StartLine)
        {
            throw new InvalidOperationException(
                $"Document {_plan.StartDocument - 1} ends at line {_reader.DocumentsRead}, not at line {_plan.StartLine} as when the run began: the dataset changed during the run.");
        }

        _skippedBefore = _reader.Skipped.Snapshot();
        _started = true;
    }
}
