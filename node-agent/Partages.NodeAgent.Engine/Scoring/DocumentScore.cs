namespace Partages.NodeAgent.Engine.Scoring;

/// <summary>
/// One document's gold labels and the running aggregate of its windows' class probabilities (in the manifest's
/// label order). Every window row of a batch points at its document's score, so windows may be scored in any
/// order and across batches: the document is complete when its last window is in, whichever that is. Holds no
/// text. Not thread-safe: only the scoring task touches it after the tokenizer hands it over.
/// </summary>
internal sealed class DocumentScore
{
    private readonly double[] _aggregate;
    private readonly bool _max;
    private int _windowsSeen;

    public DocumentScore(int goldLabel, int[]? goldLabels, int windows, int classes, string aggregation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windows, 1);
        GoldLabel = goldLabel;
        GoldLabels = goldLabels;
        Windows = windows;
        _max = aggregation == WindowAggregations.Max;
        _aggregate = new double[classes];
    }

    /// <summary>Single-label: the gold label's index in the spec's order; -1 otherwise.</summary>
    public int GoldLabel { get; }

    /// <summary>Multi-label: the gold labels' indices in the spec's order (possibly none); null otherwise.</summary>
    public int[]? GoldLabels { get; }

    /// <summary>The document's id, set only in local mode when predictions are written (see <see cref="LocalMode.IPredictionSink"/>).</summary>
    public string? Id { get; init; }

    public int Windows { get; }

    /// <summary>The document's number among the run's usable documents, in reading order (<see cref="Resilience.RunPlan"/>).</summary>
    public long Ordinal { get; init; }

    /// <summary>
    /// The model could not score one of its windows (the call failed, ran out of time or memory), or the tokenizer
    /// could not cut it: the document is counted <c>inference_failed</c>, not scored.
    /// </summary>
    public bool IsFailed { get; private set; }

    /// <summary>Every window is in (scored or failed).</summary>
    public bool IsComplete => _windowsSeen == Windows;

    /// <summary>A document that failed before inference (the plan says so, or it could not be tokenized): complete, with no window.</summary>
    public static DocumentScore FailedBeforeInference(long ordinal) => new(ordinal);

    private DocumentScore(long ordinal)
    {
        Ordinal = ordinal;
        GoldLabel = -1;
        _aggregate = [];
        IsFailed = true;
    }

    /// <summary>Takes one window whose inference failed: the document is complete once all are in, and then failed.</summary>
    /// <returns>True when this was the document's last window.</returns>
    public bool FailWindow()
    {
        IsFailed = true;
        return Count();
    }

    /// <summary>A window had no probabilities (NaN logits): the document has no prediction.</summary>
    public bool IsInvalid { get; private set; }

    /// <summary>Adds one window's probabilities, or marks the document invalid when it has none.</summary>
    /// <returns>True when this was the document's last window.</returns>
    public bool AddWindow(ReadOnlySpan<double> probabilities, bool valid)
    {
        if (!valid)
        {
            IsInvalid = true;
        }
        else if (!IsInvalid)
        {
            for (var c = 0; c < _aggregate.Length; c++)
            {
                _aggregate[c] = _max ? (_windowsSeen == 0 ? probabilities[c] : Math.Max(_aggregate[c], probabilities[c])) : _aggregate[c] + probabilities[c];
            }
        }

        return Count();
    }

    private bool Count()
    {
        _windowsSeen++;
        if (_windowsSeen > Windows)
        {
            throw new InvalidOperationException($"A document of {Windows} windows was given {_windowsSeen}.");
        }

        return _windowsSeen == Windows;
    }

    /// <summary>The document's class probabilities: the mean or the maximum over its windows. Valid once complete.</summary>
    public double[] Probabilities()
    {
        if (_max || Windows == 1)
        {
            return _aggregate;
        }

        return [.. _aggregate.Select(sum => sum / Windows)];
    }
}
