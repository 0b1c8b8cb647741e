namespace Partages.NodeAgent.Artifacts;

/// <summary>An artifact could not be obtained intact. The message is safe to send to the coordinator.</summary>
public sealed class ArtifactException : Exception
{
    public ArtifactException(string message)
        : base(message)
    {
    }

    public ArtifactException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ArtifactException()
    {
    }
}
