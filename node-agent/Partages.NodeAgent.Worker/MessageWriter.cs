namespace Partages.NodeAgent.Worker;

/// <summary>
/// Writes <see cref="WorkerMessage"/>s on stdout, one whole line at a time and flushed, so the agent never reads half a
/// message; progress comes from the engine's threads while the outcome comes from the main one.
/// </summary>
internal sealed class MessageWriter(Stream stdout)
{
    private readonly StreamWriter _writer = new(stdout, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
    private readonly Lock _gate = new();
    private volatile bool _outcomeWritten;

    /// <summary>Whether the outcome line is out: from then on the agent closing stdin is expected, not a loss.</summary>
    public bool OutcomeWritten => _outcomeWritten;

    public void Write(WorkerMessage message)
    {
        var line = WorkerProtocol.Serialize(message);
        lock (_gate)
        {
            if (_outcomeWritten)
            {
                // One outcome per run: a progress report racing the end is dropped.
                return;
            }

            _writer.WriteLine(line);
            _writer.Flush();
            _outcomeWritten = message.IsOutcome;
        }
    }
}
