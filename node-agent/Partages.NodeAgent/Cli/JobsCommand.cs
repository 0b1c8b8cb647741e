using System.CommandLine;
using Partages.Contracts;
using Partages.NodeAgent.Admission;

namespace Partages.NodeAgent.Cli;

/// <summary>
/// <c>jobs list|show|approve|reject</c>: manual approval from the command line, through files in
/// <c>&lt;data_directory&gt;/jobs/</c> (no port is opened). Run it as the agent's account, or in its container.
/// </summary>
internal static class JobsCommand
{
    public static Command Create()
    {
        var jobs = new Command("jobs", "Jobs waiting for approval (policy approval: manual): list them, show what will run or leave, approve or reject.");
        jobs.Subcommands.Add(List());
        jobs.Subcommands.Add(Show());
        jobs.Subcommands.Add(Decide(approve: true));
        jobs.Subcommands.Add(Decide(approve: false));
        return jobs;
    }

    private static Command List()
    {
        var config = CommonOptions.Config();
        var command = new Command("list", "Lists the jobs of this node, newest first, with their state.") { config };
        SetNodeAction(command, config, (_, node, output, _) =>
        {
            var tickets = JobFiles.ReadAll(JobFiles.Directory(node));
            if (tickets.Count == 0)
            {
                output.WriteLine("No job has asked for approval on this node.");
                return ExitCodes.Ok;
            }

            output.WriteLine($"{"RUN",-38} {"STATE",-26} {"REQUESTED (UTC)",-20} {"SPEC",-28} DATASET");
            foreach (var ticket in tickets)
            {
                // Ids and names come from the coordinator: escaped one by one, so none can fake a row or drive the terminal.
                output.WriteLine($"{E(ticket.RunId),-38} {E(ticket.State),-26} {ticket.RequestedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),-20} {E(ticket.Spec.Name),-28} {E(ticket.Dataset.Name)}");
            }

            var waiting = tickets.Count(t => JobStates.IsWaiting(t.State));
            output.WriteLine(waiting == 0 ? "Nothing waits for a decision." : $"{waiting} job(s) wait for a decision: 'jobs show RUN', then 'jobs approve RUN' or 'jobs reject RUN --reason TEXT'.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show()
    {
        var config = CommonOptions.Config();
        var id = RunArgument();
        var command = new Command("show", "Shows what a job will run (spec, bundle, dataset snapshot, legal basis) and, after the run, the exact payload that would leave.") { config, id };
        SetNodeAction(command, config, (parseResult, node, output, error) =>
        {
            var runId = parseResult.GetRequiredValue(id);
            var directory = JobFiles.Directory(node);
            if (FindTicket(directory, runId, error) is not { } ticket)
            {
                return ExitCodes.Failure;
            }

            // What the approver decides on: every field from outside (the coordinator's ids, the evaluator's spec) is
            // escaped (TerminalText), so an escape sequence in a spec comment cannot clear the screen or show other text.
            output.WriteLine($"Run            {E(ticket.RunId)}");
            output.WriteLine($"Evaluation     {E(ticket.EvaluationId)}");
            output.WriteLine($"State          {E(ticket.State)}{(ticket.Outcome is null ? "" : $" ({E(ticket.Outcome)})")}");
            output.WriteLine($"Requested      {ticket.RequestedAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}");
            output.WriteLine($"Spec           {E(ticket.Spec.Name)} (task {E(ticket.Spec.Task)}), sha256 {E(ticket.Spec.Sha256)}");
            output.WriteLine($"Model bundle   sha256 {E(ticket.Bundle.Sha256)}, {ticket.Bundle.SizeBytes} bytes; {E(ticket.Bundle.Signer)}");
            output.WriteLine($"Dataset        {E(ticket.Dataset.Name)}: snapshot {E(ticket.Dataset.Fingerprint)}, {ticket.Dataset.Documents} documents");
            output.WriteLine($"Legal basis    {E(ticket.Dataset.LegalBasis)}");
            output.WriteLine();
            output.WriteLine("The spec, as the evaluator submitted it:");
            foreach (var line in ticket.Spec.Yaml.TrimEnd().Split('\n'))
            {
                // Line by line: a CR inside a line is shown, not obeyed (a CRLF file's line ends are not).
                output.WriteLine("  " + E(line.EndsWith('\r') ? line[..^1] : line));
            }

            if (ticket.Payload is { } payload)
            {
                output.WriteLine();
                var path = JobFiles.PayloadPath(directory, runId);
                output.WriteLine($"The payload that would leave this node: sha256 {payload.Sha256}, {payload.Bytes} bytes ({path}):");
                output.WriteLine(File.Exists(path) ? TerminalText.EscapeLines(File.ReadAllText(path)) : "(the payload file is missing)");
            }

            output.WriteLine();
            output.WriteLine(ticket.State switch
            {
                JobStates.AwaitingApproval => $"Waiting for approval to RUN: 'jobs approve {runId}' or 'jobs reject {runId} --reason TEXT'.",
                JobStates.AwaitingPayloadApproval => $"Waiting for approval to SEND the payload above: 'jobs approve {runId}' or 'jobs reject {runId} --reason TEXT'.",
                _ => "Nothing to decide.",
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Decide(bool approve)
    {
        var config = CommonOptions.Config();
        var id = RunArgument();
        var by = new Option<string>("--by")
        {
            Description = "Who decides, as recorded in the audit log (default: the OS user running this command).",
            DefaultValueFactory = _ => Environment.UserName,
        };
        var reason = new Option<string>("--reason")
        {
            Description = approve
                ? "Optional note recorded in the audit log."
                : "Why; recorded in the audit log AND sent to the coordinator, so it must not contain patient data.",
            Required = !approve,
        };
        var command = new Command(
            approve ? "approve" : "reject",
            approve
                ? "Approves the job's current step: the run (before it starts) or its payload (before it leaves)."
                : "Rejects the job's current step; the coordinator is told the run was rejected, with the reason.")
        {
            config, id, by, reason,
        };
        SetNodeAction(command, config, (parseResult, node, output, error) =>
        {
            var runId = parseResult.GetRequiredValue(id);
            var who = parseResult.GetValue(by);
            if (string.IsNullOrWhiteSpace(who))
            {
                error.WriteLine("--by must name who decides.");
                return ExitCodes.InvalidConfiguration;
            }

            var why = parseResult.GetValue(reason);
            if (!approve && string.IsNullOrWhiteSpace(why))
            {
                error.WriteLine("--reason must say why the job is rejected.");
                return ExitCodes.InvalidConfiguration;
            }

            return Write(node, runId, approve, who.Trim(), why?.Trim(), output, error);
        });
        return command;
    }

    private static int Write(NodeConfig node, string runId, bool approve, string by, string? reason, TextWriter output, TextWriter error)
    {
        var directory = JobFiles.Directory(node);
        if (FindTicket(directory, runId, error) is not { } ticket)
        {
            return ExitCodes.Failure;
        }

        ApprovalStage stage;
        switch (ticket.State)
        {
            case JobStates.AwaitingApproval:
                stage = ApprovalStage.Run;
                break;
            case JobStates.AwaitingPayloadApproval when ticket.Payload is not null:
                stage = ApprovalStage.Payload;
                break;
            default:
                error.WriteLine($"Job '{runId}' is {ticket.State}: nothing to decide.");
                return ExitCodes.Failure;
        }

        var decision = new OperatorDecision
        {
            Stage = JobFiles.StageName(stage),
            Approve = approve,
            By = by,
            Reason = string.IsNullOrEmpty(reason) ? null : reason,
            At = DateTimeOffset.UtcNow,
            // The decision names what the person saw: the agent applies it only to exactly that.
            SpecSha256 = ticket.Spec.Sha256,
            BundleSha256 = ticket.Bundle.Sha256,
            PayloadSha256 = stage == ApprovalStage.Payload ? ticket.Payload!.Sha256 : null,
        };
        try
        {
            JobFiles.Write(JobFiles.DecisionPath(directory, runId, stage), decision);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"Cannot write the decision in {directory}: {ex.Message}. Run this command as the agent's account.");
            return ExitCodes.Failure;
        }

        var what = stage == ApprovalStage.Run ? "the run" : $"the payload (sha256 {ticket.Payload!.Sha256})";
        output.WriteLine($"{(approve ? "Approved" : "Rejected")} {what} of job '{runId}' as '{by}'. The agent applies it within seconds and records it in the audit log; 'jobs show {runId}' shows the new state.");
        return ExitCodes.Ok;
    }

    /// <summary>Every subcommand's start: its output and error writers, and node.yaml (null once its problems are printed).</summary>
    /// <summary>Runs <paramref name="action"/> on the node.yaml that --config names, once it loads (its problems are printed otherwise).</summary>
    private static void SetNodeAction(Command command, Option<FileInfo> config, Func<ParseResult, NodeConfig, TextWriter, TextWriter, int> action) =>
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var node = CommonOptions.LoadOrReport(parseResult.GetRequiredValue(config), error);
            return node is null ? ExitCodes.InvalidConfiguration : action(parseResult, node, output, error);
        });

    /// <summary>The job's file, or null once it is said that there is no such job.</summary>
    private static JobTicket? FindTicket(string directory, string runId, TextWriter error)
    {
        var ticket = JobFiles.ReadTicket(JobFiles.TicketPath(directory, runId));
        if (ticket is null)
        {
            error.WriteLine($"No job '{runId}' on this node ('jobs list' shows them).");
        }

        return ticket;
    }

    private static string E(string? text) => TerminalText.Escape(text);

    private static Argument<string> RunArgument() => new("RUN") { Description = "The run id, as 'jobs list' shows it." };
}
