using System.Security.Authentication;
using Grpc.Core;
using Partages.Trust.Network;

namespace Partages.Cli.Cli;

/// <summary>
/// Runs a command's body and turns every expected failure into one clear line on stderr and a documented exit code:
/// never a stack trace.
/// </summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(CliContext context, Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken).ConfigureAwait(false);
        }
        catch (CliException ex)
        {
            await context.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ex.ExitCode;
        }
        catch (CoordinatorTrustException ex)
        {
            await context.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ex.Unreachable ? ExitCodes.Unreachable : ExitCodes.Auth;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync("Interrupted.").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (RpcException ex)
        {
            var (code, message) = Describe(ex, ProxyOf(context));
            await context.Error.WriteLineAsync(message).ConfigureAwait(false);
            return code;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync("Interrupted.").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (IOException ex)
        {
            await context.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (UnauthorizedAccessException ex)
        {
            await context.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitCodes.Failed;
        }
    }

    /// <summary>
    /// The exit code and the one line for a gRPC failure; when the coordinator attached field violations
    /// (google.rpc.BadRequest, docs/api.md), its summary line then each violation on its own line.
    /// </summary>
    /// <param name="proxy">The proxy the command used (HTTPS_PROXY), to name it when it is at fault.</param>
    public static (int ExitCode, string Message) Describe(RpcException exception, ProxySettings? proxy = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        // The coordinator's words: a list of spec errors keeps its lines, nothing else of it reaches the terminal raw.
        var detail = TerminalText.EscapeLines(FieldViolations.Describe(exception) ?? exception.Status.Detail);
        return exception.StatusCode switch
        {
            StatusCode.Unauthenticated => (ExitCodes.Auth, $"The coordinator refused the API token: {detail} Run 'partages login' with a valid token."),
            StatusCode.PermissionDenied => (ExitCodes.Auth, $"Not allowed: {detail}"),
            StatusCode.NotFound => (ExitCodes.NotFound, detail),
            StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.AlreadyExists or StatusCode.OutOfRange => (ExitCodes.BadInput, detail),
            // grpc-dotnet reports a refused handshake or proxy tunnel as Internal ("Error starting gRPC call"), not Unavailable.
            StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal when Untrusted(exception) && CoordinatorTrust.LastRejection is { } rejection =>
                (ExitCodes.Auth, $"Refused the coordinator's TLS connection: {rejection}. (If the coordinator's CA itself changed, run 'partages login' again.)"),
            StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal when Untrusted(exception) =>
                (ExitCodes.Auth, "The server's TLS certificate is not issued by the coordinator CA in the profile; run 'partages login' again if the coordinator's CA changed."),
            StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal when Network(exception, proxy) is { } network => (ExitCodes.Unreachable, $"Cannot reach the coordinator: {network}."),
            StatusCode.Unavailable or StatusCode.DeadlineExceeded => (ExitCodes.Unreachable, $"Cannot reach the coordinator: {Innermost(exception)}"),
            _ => (ExitCodes.Failed, $"The coordinator answered {exception.StatusCode}: {detail}"),
        };
    }

    /// <summary>The proxy's part in a failure (refused tunnel, credentials, unreachable), when it has one.</summary>
    private static string? Network(RpcException exception, ProxySettings? proxy) =>
        exception.Status.DebugException is { } cause ? CoordinatorHttp.DescribeNetworkFailure(cause, coordinator: null, proxy) : null;

    /// <summary>The proxy a command used; null when none is set, or HTTPS_PROXY is unusable (the command already said so).</summary>
    private static ProxySettings? ProxyOf(CliContext context)
    {
        try
        {
            return CoordinatorTrust.Proxy(context.EnvironmentVariable);
        }
        catch (CoordinatorTrustException)
        {
            return null;
        }
    }

    private static bool Untrusted(RpcException exception)
    {
        for (var e = exception.InnerException ?? exception.Status.DebugException; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }

    private static string Innermost(RpcException exception)
    {
        var inner = exception.Status.DebugException ?? exception.InnerException;
        while (inner?.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return TerminalText.Escape(inner?.Message ?? exception.Status.Detail);
    }
}
