namespace Partages.NodeAgent.Engine.Inference;

/// <summary>
/// One batch through the classifier, parallel across rows rather than inside operators (issue 15): with
/// <see cref="OnnxClassifier.ConcurrentCalls"/> above 1, the batch's rows are dealt into that many parts and each part
/// runs in its own <c>InferenceSession.Run</c> at once (Run is thread-safe), on a session with one intra-op thread.
/// With threads inside operators, the calling thread waits for ONNX Runtime's non-spinning worker at the end of
/// every parallel section, hundreds of times per batch; here the threads meet once per batch. The parts together
/// hold the batch's rows, so ONNX Runtime's arena holds about one batch's activations, as before.
/// </summary>
internal sealed class BatchInference : IDisposable
{
    private readonly OnnxClassifier _classifier;
    private readonly TimeSpan _limit;
    private readonly bool _keepLength;
    private readonly InferenceLanes _lanes;
    private readonly float[][] _partLogits;
    private readonly string?[] _failures;

    /// <param name="batchSize">Most rows in a batch.</param>
    /// <param name="limit">Longest one call may take (<see cref="EvaluationEngineOptions.BatchTimeout"/>); each part has it.</param>
    public BatchInference(OnnxClassifier classifier, int batchSize, TimeSpan limit)
    {
        _classifier = classifier;
        _limit = limit;
        _keepLength = classifier.Shape.FixedSequenceLength is not null;
        _lanes = new InferenceLanes(classifier.ConcurrentCalls);
        _partLogits = [.. Enumerable.Range(0, _lanes.Count).Select(_ => new float[batchSize * classifier.Classes])];
        _failures = new string?[_lanes.Count];
    }

    /// <summary>Scores the batch into <paramref name="logits"/> (row after row, as <see cref="OnnxClassifier.Score"/>).</summary>
    /// <returns>Null when every part succeeded; else why the first failing part failed (<see cref="InferenceCall.Run"/>).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; every part has ended.</exception>
    public string? Run(TokenBatch batch, float[] logits, CancellationToken cancellationToken)
    {
        if (_lanes.Count == 1 || batch.Rows == 1)
        {
            return InferenceCall.Run(token => _classifier.Score(batch, logits, token), _limit, cancellationToken);
        }

        var parts = batch.Deal(_lanes.Count, _keepLength);
        var calls = new Action[parts.Count];
        for (var p = 0; p < parts.Count; p++)
        {
            var (part, into) = (parts[p].Part, _partLogits[p]);
            var index = p;
            calls[p] = () => _failures[index] = InferenceCall.Run(token => _classifier.Score(part, into, token), _limit, cancellationToken);
        }

        Array.Clear(_failures);
        _lanes.RunAll(calls);
        if (_failures.FirstOrDefault(f => f is not null) is { } failure)
        {
            return failure;
        }

        var classes = _classifier.Classes;
        for (var p = 0; p < parts.Count; p++)
        {
            var rows = parts[p].Rows;
            for (var j = 0; j < rows.Length; j++)
            {
                _partLogits[p].AsSpan(j * classes, classes).CopyTo(logits.AsSpan(rows[j] * classes, classes));
            }
        }

        return null;
    }

    public void Dispose() => _lanes.Dispose();
}
