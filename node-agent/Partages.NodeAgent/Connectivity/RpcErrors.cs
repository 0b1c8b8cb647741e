using Grpc.Core;

namespace Partages.NodeAgent.Connectivity;

/// <summary>An RPC failure in words for an operator: the status detail and, when there is one, the underlying cause.</summary>
public static class RpcErrors
{
    public static string Describe(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var detail = exception.Status.Detail.TrimEnd('.', ' ');
        var cause = exception.Status.DebugException;
        while (cause?.InnerException is not null)
        {
            cause = cause.InnerException;
        }

        return cause is null || detail.Contains(cause.Message.TrimEnd('.'), StringComparison.Ordinal)
            ? detail
            : $"{detail} ({cause.Message.TrimEnd('.', ' ')})";
    }
}
