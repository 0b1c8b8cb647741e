using System.Runtime.ExceptionServices;

namespace Partages.NodeAgent.Engine.Inference;

/// <summary>
/// Runs a few blocking calls at once: the first on the calling thread, the others on long-lived threads of their own
/// (issue 15). Dedicated threads, not the thread pool: each call blocks its thread inside ONNX Runtime for up to a
/// batch's time, and on a 2-core node a pool thread blocked that long starves the reader and tokenizers until the
/// pool injects more. Kept for the whole scoring stage, so ONNX Runtime's and the allocator's per-thread state is
/// reused rather than rebuilt per batch.
/// </summary>
internal sealed class InferenceLanes : IDisposable
{
    private readonly Lane[] _helpers;

    /// <param name="count">Calls that may run at once, the caller's included (1: everything on the caller, no thread).</param>
    public InferenceLanes(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _helpers = [.. Enumerable.Range(1, count - 1).Select(i => new Lane(i))];
    }

    public int Count => _helpers.Length + 1;

    /// <summary>
    /// Runs every call, the first on this thread, and returns once all have returned (they may share buffers with
    /// the caller, so none may still run); then rethrows the first exception any call threw.
    /// </summary>
    public void RunAll(IReadOnlyList<Action> calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(calls.Count, Count);
        for (var i = 1; i < calls.Count; i++)
        {
            _helpers[i - 1].Start(calls[i]);
        }

        Exception? first = null;
        try
        {
            if (calls.Count > 0)
            {
                calls[0]();
            }
        }
        catch (Exception ex)
        {
            first = ex;
        }

        // Every lane is waited for, even after a failure, so no call still writes into the batch's buffers (or is
        // overwritten by the next Start) once this returns or throws.
        for (var i = 1; i < calls.Count; i++)
        {
            var failure = _helpers[i - 1].Wait();
            first ??= failure;
        }

        if (first is not null)
        {
            ExceptionDispatchInfo.Throw(first);
        }
    }

    public void Dispose()
    {
        foreach (var lane in _helpers)
        {
            lane.Dispose();
        }
    }

    /// <summary>One thread that runs one call at a time when started, and says when it is done.</summary>
    private sealed class Lane : IDisposable
    {
        private readonly Thread _thread;
        private readonly SemaphoreSlim _start = new(0);
        private readonly ManualResetEventSlim _done = new(false);
        private Action? _work;
        private Exception? _error;
        private volatile bool _stopping;

        public Lane(int number)
        {
            _thread = new Thread(Loop) { IsBackground = true, Name = $"partages-inference-{number}" };
            _thread.Start();
        }

        public void Start(Action work)
        {
            _work = work;
            _error = null;
            _done.Reset();
            _start.Release();
        }

        /// <returns>What the call threw, or null.</returns>
        public Exception? Wait()
        {
            _done.Wait();
            return _error;
        }

        public void Dispose()
        {
            _stopping = true;
            _start.Release();
            _thread.Join();
            _start.Dispose();
            _done.Dispose();
        }

        private void Loop()
        {
            while (true)
            {
                _start.Wait();
                if (_stopping)
                {
                    return;
                }

                try
                {
                    _work!();
                }
                catch (Exception ex)
                {
                    // Handed to the caller, which rethrows it once every lane is done.
                    _error = ex;
                }
                finally
                {
                    _work = null;
                    _done.Set();
                }
            }
        }
    }
}
