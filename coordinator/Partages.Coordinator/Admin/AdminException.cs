namespace Partages.Coordinator.Admin;

/// <summary>An admin command cannot do what was asked; the message is for the operator.</summary>
public sealed class AdminException : Exception
{
    public AdminException()
    {
    }

    public AdminException(string message)
        : base(message)
    {
    }

    public AdminException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
