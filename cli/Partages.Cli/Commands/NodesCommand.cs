namespace Partages.Cli.Commands;

/// <summary><c>nodes list</c>: enrolled hospitals, whether they are connected, and the datasets they expose.</summary>
internal static class NodesCommand
{
    public static Command Create(CliContext context)
    {
        var list = new Command("list", "Lists enrolled nodes: online or not, versions, datasets (names and rounded sizes).");
        list.SetAction((_, ct) => CommandRunner.RunAsync(context, async c =>
        {
            using var session = await Session.OpenAsync(context, c).ConfigureAwait(false);
            var nodes = await session.Client.ListNodesAsync(c).ConfigureAwait(false);
            var table = new Table().AddColumns("node", "online", "last seen (UTC)", "agent", "ONNX Runtime", "datasets", "certificate until");
            foreach (var node in nodes)
            {
                table.AddRow(
                    TerminalMarkup.Escape(node.Name),
                    node.Revoked ? "[red]revoked[/]" : node.Online ? "[green]yes[/]" : "no",
                    node.LastSeen is null ? "-" : node.LastSeen.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    TerminalMarkup.Escape(node.AgentVersion),
                    TerminalMarkup.Escape(node.OnnxruntimeVersion),
                    TerminalMarkup.Escape(string.Join(", ", node.Datasets.Select(d => $"{d.Name} (~{d.ApproximateDocuments.ToString(CultureInfo.InvariantCulture)})"))),
                    node.CertificateNotAfter is null ? "-" : node.CertificateNotAfter.ToDateTimeOffset().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }

            context.Console.Write(table);
            await context.Output.WriteLineAsync($"{nodes.Count} node(s), {nodes.Count(n => n.Online)} online.").ConfigureAwait(false);
            return ExitCodes.Ok;
        }, ct));
        return new Command("nodes", "The federation's hospital nodes.") { list };
    }
}
