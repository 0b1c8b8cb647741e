using Microsoft.Extensions.Options;
using Partages.NodeAgent.Policy;

namespace Partages.NodeAgent.Isolation;

/// <summary>Where evaluations run.</summary>
public enum EngineHosting
{
    /// <summary>In an inference worker process per run, under the run's memory and time limits (the default).</summary>
    Worker,

    /// <summary>
    /// In the agent's own process, with no limits: a model that exhausts memory or crashes natively takes the agent
    /// down. For tests and for platforms where the worker cannot start; never for a hospital's production node.
    /// </summary>
    InProcess,
}

/// <summary>
/// How the agent isolates inference (configuration section <c>Isolation</c>, e.g. the environment variable
/// <c>Isolation__Engine=InProcess</c>). The limits here apply only when no node policy is registered: a policy's
/// <see cref="RunLimits"/> win. Validated at start, every problem listed.
/// </summary>
public sealed class IsolationOptions
{
    public const string Section = "Isolation";

    public EngineHosting Engine { get; set; } = EngineHosting.Worker;

    /// <summary>Default time limit of one run, without a policy (the policy's default too).</summary>
    public int RunTimeoutMinutes { get; set; } = new RunLimits().RunTimeoutMinutes;

    /// <summary>Default memory limit of one worker in MiB, without a policy (the policy's default too).</summary>
    public int MemoryLimitMb { get; set; } = new RunLimits().MemoryLimitMb;

    /// <summary>
    /// Longest one inference call may take, in seconds, whatever the policy: the engine abandons the call at this
    /// limit (the agent kills the worker a little later if it does not) and counts the call's documents
    /// <c>inference_failed</c> (after a retry one by one); the run goes on. It bounds how much the time a result is
    /// released at can depend on one report (docs/threat-model.md, "Timing"), so it is the node's, not a policy's.
    /// </summary>
    public int BatchTimeoutSeconds { get; set; } = EvaluationEngineOptions.DefaultBatchTimeoutSeconds;

    /// <summary>The worker's assembly; by default <c>Partages.NodeAgent.Worker.dll</c> beside the agent's own.</summary>
    public string? WorkerPath { get; set; }

    /// <summary>How much of a worker's stderr is kept for the log (the start of it: the cause comes first).</summary>
    public int MaxDiagnosticsChars { get; set; } = 16 * 1024;
}

public sealed class IsolationOptionsValidator : IValidateOptions<IsolationOptions>
{
    public ValidateOptionsResult Validate(string? name, IsolationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Engine))
        {
            failures.Add($"{IsolationOptions.Section}:{nameof(options.Engine)} is {options.Engine}; it must be {nameof(EngineHosting.Worker)} or {nameof(EngineHosting.InProcess)}.");
        }

        if (options.RunTimeoutMinutes < 1)
        {
            failures.Add($"{IsolationOptions.Section}:{nameof(options.RunTimeoutMinutes)} is {options.RunTimeoutMinutes}; it must be at least 1.");
        }

        if (options.BatchTimeoutSeconds is < 1 or > 86_400)
        {
            failures.Add($"{IsolationOptions.Section}:{nameof(options.BatchTimeoutSeconds)} is {options.BatchTimeoutSeconds}; it must be within 1..86400.");
        }

        if (options.MemoryLimitMb < WorkerLimits.MinMemoryLimitMb)
        {
            failures.Add($"{IsolationOptions.Section}:{nameof(options.MemoryLimitMb)} is {options.MemoryLimitMb}; it must be at least {WorkerLimits.MinMemoryLimitMb}.");
        }

        if (options.WorkerPath is { } path && !File.Exists(path))
        {
            failures.Add($"{IsolationOptions.Section}:{nameof(options.WorkerPath)}: no file at '{path}'.");
        }

        if (options.MaxDiagnosticsChars is < 0 or > 1024 * 1024)
        {
            failures.Add($"{IsolationOptions.Section}:{nameof(options.MaxDiagnosticsChars)} is {options.MaxDiagnosticsChars}; it must be within 0..1048576.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
