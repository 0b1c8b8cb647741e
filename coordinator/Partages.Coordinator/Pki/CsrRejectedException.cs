namespace Partages.Coordinator.Pki;

/// <summary>A node's certificate signing request cannot be signed; the message is safe to show the node.</summary>
public sealed class CsrRejectedException : Exception
{
    public CsrRejectedException()
    {
    }

    public CsrRejectedException(string message)
        : base(message)
    {
    }

    public CsrRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
