namespace Partages.Cli.Cli;

/// <summary>What <c>partages</c> exit codes mean (docs/evaluator-cli.md lists them for scripts).</summary>
public static class ExitCodes
{
    /// <summary>Done; for <c>watch</c>, the evaluation completed.</summary>
    public const int Ok = 0;

    /// <summary><c>watch</c>: the evaluation failed or was cancelled; <c>results</c>: no result yet; any other unexpected failure.</summary>
    public const int Failed = 1;

    /// <summary>Bad input: command line, spec (every error printed with its line), file missing, request refused as invalid.</summary>
    public const int BadInput = 2;

    /// <summary>Not logged in, token refused, role not allowed, or the server is not the trusted coordinator.</summary>
    public const int Auth = 3;

    /// <summary>No such evaluation (or not one the token may see).</summary>
    public const int NotFound = 4;

    /// <summary>The coordinator could not be reached.</summary>
    public const int Unreachable = 5;
}

/// <summary>A failure the command explains in one line and maps to an exit code.</summary>
public sealed class CliException : Exception
{
    public CliException(int exitCode, string message)
        : base(message) => ExitCode = exitCode;

    public CliException()
    {
    }

    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int ExitCode { get; } = ExitCodes.Failed;
}
