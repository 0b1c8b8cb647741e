using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;

namespace Partages.Cli.Cli;

/// <summary>Reads the coordinator's structured error details (google.rpc.BadRequest) back from a failed call.</summary>
internal static class FieldViolations
{
    /// <summary>
    /// The summary's first line, then one indented line per field violation (<c>field: description</c>); null when the
    /// answer carries none (an older coordinator, or an error that is not about a field), so the plain detail is printed.
    /// </summary>
    public static string? Describe(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        // An unreadable details trailer is not the user's problem: fall back to the plain detail rather than fail
        // (the trailers' GetRpcStatus can be told to answer null on a parse error).
        BadRequest? badRequest;
        try
        {
            badRequest = exception.Trailers.GetRpcStatus(ignoreParseError: true)?.GetDetail<BadRequest>();
        }
        catch (InvalidProtocolBufferException)
        {
            badRequest = null;
        }

        if (badRequest is null || badRequest.FieldViolations.Count == 0)
        {
            return null;
        }

        // The summary may itself list the errors (for clients that cannot read details): keep its first line only.
        var summary = exception.Status.Detail.Split('\n', 2)[0].TrimEnd('\r');
        var lines = badRequest.FieldViolations.Select(v => v.Field.Length > 0 ? $"  {v.Field}: {v.Description}" : $"  {v.Description}");
        return string.Join(Environment.NewLine, lines.Prepend(summary));
    }
}
