using Microsoft.ML.OnnxRuntime;

namespace Partages.NodeAgent.Engine.Resilience;

/// <summary>
/// One inference call under the per-call time limit (<see cref="EvaluationEngineOptions.BatchTimeoutSeconds"/>). A call
/// that fails is reported, not thrown: what a report makes the model do must cost that report's documents, never the
/// run. Only the run's own cancellation is thrown.
/// </summary>
public static class InferenceCall
{
    /// <returns>Null when the call succeeded; else why it failed, in words that hold no report content (no exception message: ONNX Runtime's can quote input values).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="runToken"/> was cancelled.</exception>
    internal static string? Run(Action<CancellationToken> call, TimeSpan limit, CancellationToken runToken)
    {
        runToken.ThrowIfCancellationRequested();
        using var limited = CancellationTokenSource.CreateLinkedTokenSource(runToken);
        limited.CancelAfter(limit);
        try
        {
            call(limited.Token);
            return null;
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return $"exceeded the per-batch time limit of {limit.TotalSeconds:0.###} s";
        }
        catch (Exception ex)
        {
            return IsOutOfMemory(ex) ? "out of memory" : "failed with " + ex.GetType().Name;
        }
    }

    /// <summary>Whether the exception (or one it wraps) is an allocation refused: the runtime's, or ONNX Runtime's ("Failed to allocate memory", bad_alloc).</summary>
    public static bool IsOutOfMemory(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case OutOfMemoryException or InsufficientMemoryException:
                    return true;
                case OnnxRuntimeException when current.Message.Contains("Failed to allocate memory", StringComparison.OrdinalIgnoreCase)
                    || current.Message.Contains("bad_alloc", StringComparison.OrdinalIgnoreCase):
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(IsOutOfMemory):
                    return true;
            }
        }

        return false;
    }
}
