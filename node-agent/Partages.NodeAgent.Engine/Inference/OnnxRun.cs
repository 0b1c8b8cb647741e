using Microsoft.ML.OnnxRuntime;

namespace Partages.NodeAgent.Engine.Inference;

/// <summary>One ONNX Runtime call that a cancellation abandons: the classifiers' and the token classifiers' sessions share it.</summary>
internal static class OnnxRun
{
    /// <summary>Runs <paramref name="session"/> once; the caller disposes the outputs.</summary>
    /// <param name="batch">What the batch holds, for the failure message ("a batch of 8 documents").</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled, before or during the call.</exception>
    /// <exception cref="InvalidOperationException">ONNX Runtime failed on this batch.</exception>
    public static IDisposableReadOnlyCollection<OrtValue> Run(
        InferenceSession session,
        IReadOnlyCollection<string> inputNames,
        IReadOnlyCollection<OrtValue> inputs,
        IReadOnlyCollection<string> outputNames,
        string batch,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        cancellationToken.ThrowIfCancellationRequested();
        // Terminate makes ONNX Runtime abandon a long call at its next operator, so cancelling is not held up by a big batch.
        // One RunOptions per call: its terminate flag stays set once raised, and a call abandoned at the per-batch time
        // limit must not end the calls after it.
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(static state => ((RunOptions)state!).Terminate = true, runOptions);
        try
        {
            return session.Run(runOptions, inputNames, inputs, outputNames);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidOperationException($"ONNX Runtime failed to score {batch}: {ex.Message}", ex);
        }
    }
}
