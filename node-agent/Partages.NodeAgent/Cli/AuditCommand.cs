using System.CommandLine;
using Partages.NodeAgent.Audit;

namespace Partages.NodeAgent.Cli;

/// <summary><c>audit verify --config FILE</c>: checks the audit log's hash chain; exit 0 when intact, 1 otherwise.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var audit = new Command("audit", "The node's hash-chained audit log (<data_directory>/audit/audit.jsonl).");
        var config = CommonOptions.Config();
        var verify = new Command("verify", "Checks every line of the audit log; names the first line that was changed, removed or reordered.") { config };
        verify.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var node = CommonOptions.LoadOrReport(parseResult.GetRequiredValue(config), parseResult.InvocationConfiguration.Error);
            if (node is null)
            {
                return ExitCodes.InvalidConfiguration;
            }

            var path = AuditLog.PathFor(node);
            var verdict = AuditChain.VerifyFile(path);
            if (!verdict.Valid)
            {
                output.WriteLine($"BROKEN: {path}: {verdict.Problem}.");
                output.WriteLine($"The {verdict.LinesVerified} line(s) before it chain correctly (last good seq {verdict.LastSeq}, hash {verdict.LastHash}).");
                return ExitCodes.Failure;
            }

            output.WriteLine(verdict.LinesVerified == 0
                ? $"OK: {path} has no entry yet."
                : $"OK: {path}: {verdict.LinesVerified} line(s), chain intact; last seq {verdict.LastSeq}, hash {verdict.LastHash}.");
            output.WriteLine("Keep the last hash elsewhere (a ticket, an e-mail): a later verify that does not reach it means lines were cut from the end.");
            return ExitCodes.Ok;
        });
        audit.Subcommands.Add(verify);
        return audit;
    }
}
