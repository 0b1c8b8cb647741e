using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Partages.NodeAgent.Engine;
using Partages.NodeAgent.Engine.Resilience;

namespace Partages.NodeAgent.Worker;

/// <summary>
/// One run (or the rest of one, as the request's <see cref="RunPlan"/> says): read the request, evaluate with the
/// in-process <see cref="EvaluationEngine"/> while telling the agent which documents are under inference and where it
/// may resume, write the outcome, return the exit code.
/// </summary>
internal static class WorkerRun
{
    public static async Task<int> RunAsync(Stream stdin, Stream stdout, TextWriter diagnostics)
    {
        var output = new MessageWriter(stdout);
        var input = new StreamReader(stdin, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

        var (request, problem) = await ReadRequestAsync(input).ConfigureAwait(false);
        if (request is null)
        {
            await diagnostics.WriteLineAsync("partages-worker: bad request: " + problem).ConfigureAwait(false);
            return WorkerExitCodes.BadRequest;
        }

        // From here on the agent must stay: if it goes, so does this run (and the memory it holds).
        _ = AgentWatch.Start(input, output, diagnostics, static () => Environment.Exit(WorkerExitCodes.AgentGone));

        try
        {
            var engine = new EvaluationEngine(request.EngineOptions);
            var result = await engine.EvaluateAsync(
                request.ToJob(),
                request.Plan,
                new LineObserver(output, diagnostics),
                new LineProgress(output),
                CancellationToken.None).ConfigureAwait(false);
            output.Write(WorkerMessage.ForResult(result));
            return WorkerExitCodes.Succeeded;
        }
        catch (Exception ex) when (InferenceCall.IsOutOfMemory(ex))
        {
            // First: the engine refuses a graph ONNX Runtime cannot load, and an allocation failing while the
            // session is built (a huge constant) is that memory limit at work, not a problem with the bundle.
            // The failed allocation is released by now, so there is room to say so.
            await diagnostics.WriteLineAsync("partages-worker: out of memory: " + ex).ConfigureAwait(false);
            output.Write(WorkerMessage.ForOutOfMemory());
            return WorkerExitCodes.OutOfMemory;
        }
        catch (EvaluationRefusedException ex)
        {
            output.Write(WorkerMessage.ForRefusal(ex.Message));
            return WorkerExitCodes.Refused;
        }
        catch (Exception ex)
        {
            // Stays on this machine: the agent logs stderr locally and tells the coordinator only "internal error".
            await diagnostics.WriteLineAsync("partages-worker: run failed: " + ex).ConfigureAwait(false);
            output.Write(WorkerMessage.ForFailure(ex.GetType().FullName ?? ex.GetType().Name));
            return WorkerExitCodes.Failed;
        }
    }

    private static async Task<(WorkerRequest? Request, string? Problem)> ReadRequestAsync(TextReader input)
    {
        var line = new StringBuilder();
        var buffer = new char[1];
        while (await input.ReadAsync(buffer).ConfigureAwait(false) > 0)
        {
            if (buffer[0] == '\n')
            {
                return Parse(line.ToString());
            }

            if (line.Length >= WorkerProtocol.MaxLineChars)
            {
                return (null, $"the request line is longer than {WorkerProtocol.MaxLineChars} characters");
            }

            line.Append(buffer[0]);
        }

        return (null, "stdin ended before a whole request line");
    }

    private static (WorkerRequest? Request, string? Problem) Parse(string line)
    {
        try
        {
            var request = WorkerProtocol.Deserialize<WorkerRequest>(line);
            return request.Protocol == WorkerProtocol.Version
                ? (request, null)
                : (null, $"protocol version {request.Protocol}; this worker speaks {WorkerProtocol.Version}");
        }
        catch (JsonException ex)
        {
            return (null, ex.Message);
        }
    }

    /// <summary>Each report becomes a line at once (the agent throttles what it forwards); synchronous, so lines keep their order.</summary>
    private sealed class LineProgress(MessageWriter output) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value) => output.Write(WorkerMessage.ForProgress(value));
    }

    /// <summary>
    /// The engine's account of the run, as lines for the agent. A failed call's cause goes to stderr (the node's log),
    /// not stdout: the agent needs to know only that the call ended.
    /// </summary>
    private sealed class LineObserver(MessageWriter output, TextWriter diagnostics) : IInferenceObserver
    {
        private long _first;
        private long _last;

        public void ReadingStarted(long lines) => output.Write(WorkerMessage.ForReading(lines));

        public void InferenceStarted(long firstDocument, long lastDocument)
        {
            _first = firstDocument;
            _last = lastDocument;
            output.Write(WorkerMessage.ForInference(firstDocument, lastDocument));
        }

        public void InferenceEnded(string? failure)
        {
            if (failure is not null)
            {
                lock (diagnostics)
                {
                    diagnostics.WriteLine($"partages-worker: inference over documents {_first}..{_last} {failure}; counted failed unless one by one they pass");
                }
            }

            output.Write(WorkerMessage.ForInferenceDone());
        }

        public void Checkpoint(SegmentCheckpoint checkpoint) => output.Write(WorkerMessage.ForCheckpoint(checkpoint));
    }
}
