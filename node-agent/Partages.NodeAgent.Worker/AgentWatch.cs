namespace Partages.NodeAgent.Worker;

/// <summary>
/// Ends the worker when the agent is gone. The agent holds the write end of the worker's stdin for the whole run
/// and the kernel closes it when the agent dies, however it dies (SIGKILL included), so end of stdin is the one
/// parent-death signal that needs no cooperation. (PR_SET_PDEATHSIG would fire when the agent's *thread* that
/// started the worker ends, and .NET starts processes from pool threads that come and go.)
/// </summary>
internal static class AgentWatch
{
    /// <summary>Reads (and ignores) stdin until it ends, then calls <paramref name="onAgentGone"/> unless the run is already over.</summary>
    public static Task Start(TextReader stdin, MessageWriter output, TextWriter diagnostics, Action onAgentGone) =>
        Task.Run(async () =>
        {
            var buffer = new char[256];
            try
            {
                while (await stdin.ReadAsync(buffer).ConfigureAwait(false) > 0)
                {
                    // The protocol has nothing after the request; whatever comes is ignored.
                }
            }
            catch (IOException)
            {
                // A broken pipe is the same news as end of file.
            }

            if (!output.OutcomeWritten)
            {
                await diagnostics.WriteLineAsync("partages-worker: stdin closed before the run ended; the agent is gone, abandoning the run").ConfigureAwait(false);
                onAgentGone();
            }
        });
}
