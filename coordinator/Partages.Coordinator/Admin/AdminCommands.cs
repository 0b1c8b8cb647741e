using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Partages.Contracts;

namespace Partages.Coordinator.Admin;

/// <summary><c>admin enrollment-token | api-token | revoke-api-token | revoke-node | ca-rotation</c>: offline operations on a data dir.</summary>
public static class AdminCommands
{
    public static Command Create()
    {
        return new Command("admin", "Operator commands that work directly on a data dir (the server may be running).")
        {
            EnrollmentToken(),
            ApiToken(),
            RevokeApiToken(),
            RevokeNode(),
            CaRotationCommand(),
        };
    }

    /// <summary><c>admin ca-rotation start | issue-new | retire | status</c> (<see cref="CaRotation"/>): one verb per step.</summary>
    private static Command CaRotationCommand()
    {
        var command = new Command("ca-rotation", "Replaces the coordinator's CA without re-enrolling nodes, one step per verb (restart the coordinator after each; docs/coordinator.md).");
        (string Name, string Description, Func<string, CancellationToken, Task<CaRotationState>> Step)[] steps =
        [
            ("start", "Creates a new CA beside the current one, cross-certified by it; nodes learn and trust it at their next session.", (dir, ct) => CaRotation.StartAsync(dir, TimeProvider.System, ct)),
            ("issue-new", "Node certificates are issued by the new CA from now on; every node renews under it at its next session.", (dir, ct) => CaRotation.IssueNewAsync(dir, TimeProvider.System, ct)),
            ("retire", "Retires the old CA once every non-revoked node holds a certificate from the new one (refused otherwise, naming them).", (dir, ct) => CaRotation.RetireAsync(dir, TimeProvider.System, ct)),
            ("status", "Shows the rotation's stage and the nodes not yet moved to the new CA.", (dir, ct) => CaRotation.StatusAsync(dir, TimeProvider.System, ct)),
        ];
        foreach (var (name, description, step) in steps)
        {
            var json = Json();
            command.Subcommands.Add(OnDataDir(name, description, [json], async (parse, dataDir, output, ct) =>
            {
                var state = await step(dataDir, ct).ConfigureAwait(false);
                await output.WriteLineAsync(parse.GetValue(json)
                    ? JsonLine(("stage", state.Stage), ("ca_sha256", state.CurrentPin), ("next_ca_sha256", state.NextPin ?? ""), ("nodes_not_moved", string.Join(",", state.NodesNotMoved)))
                    : Text(state)).ConfigureAwait(false);
            }));
        }

        return command;
    }

    private static string Text(CaRotationState state) => state.Stage switch
    {
        CaRotation.Idle => $"No CA rotation under way. CA pin: {state.CurrentPin}. Restart the coordinator if a step was just taken.",
        _ => new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"CA rotation: {state.Stage}. Current CA {state.CurrentPin}; new CA {state.NextPin}.")
            .Append(state.NodesNotMoved.Count == 0
                ? "Every non-revoked node holds a certificate from the new CA."
                : $"Not yet moved to the new CA ({state.NodesNotMoved.Count}): {string.Join(", ", state.NodesNotMoved)}.")
            .AppendLine()
            .Append("Restart the coordinator (every replica) for a step to take effect.")
            .ToString(),
    };

    private static Option<string> DataDir() => new("--data-dir")
    {
        Description = "The coordinator's data dir (created if new).",
        Required = true,
        HelpName = "DIR",
    };

    /// <summary>
    /// An admin command on a data dir: <c>--data-dir</c> first, then <paramref name="options"/>; the action gets the dir's
    /// full path and runs through <see cref="RunAsync"/> (exit codes, errors on standard error, the terminal guard).
    /// </summary>
    private static Command OnDataDir(string name, string description, Option[] options, Func<ParseResult, string, TextWriter, CancellationToken, Task> action)
    {
        var dataDir = DataDir();
        var command = new Command(name, description) { dataDir };
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => RunAsync(parse, output => action(parse, Path.GetFullPath(parse.GetValue(dataDir)!), output, ct)));
        return command;
    }

    private static Option<bool> Json() => new("--json") { Description = "Print one JSON line instead of text." };

    private static Command EnrollmentToken()
    {
        var node = new Option<string>("--node") { Description = "The node name the token is bound to (becomes the certificate's CN).", Required = true, HelpName = "NAME" };
        var ttl = new Option<int>("--ttl-hours") { Description = "Hours before the token expires.", DefaultValueFactory = _ => 24, HelpName = "HOURS" };
        ttl.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 24 * 90)
            {
                result.AddError("--ttl-hours must be within 1..2160.");
            }
        });
        var json = Json();
        return OnDataDir("enrollment-token", "Creates a one-time enrollment token for a node and prints it with the CA pin (creates the CA if the data dir is new).",
            [node, ttl, json], async (parse, dataDir, output, ct) =>
        {
            var issued = await AdminOperations.CreateEnrollmentTokenAsync(
                dataDir, parse.GetValue(node)!, TimeSpan.FromHours(parse.GetValue(ttl)), TimeProvider.System, ct).ConfigureAwait(false);
            await output.WriteLineAsync(parse.GetValue(json)
                ? JsonLine(("node", issued.Node), ("token", issued.Token), ("ca_sha256", issued.CaSha256))
                : Text(issued)).ConfigureAwait(false);
        });
    }

    private static Command ApiToken()
    {
        var name = new Option<string>("--name") { Description = "Who the token is for; owner of the evaluations it submits. A name that already has a token gets a new one.", Required = true, HelpName = "NAME" };
        var role = new Option<string>("--role") { Description = "admin (everything), evaluator (submit, cancel own), viewer (read only).", Required = true, HelpName = "ROLE" };
        role.AcceptOnlyFromAmong("admin", "evaluator", "viewer");
        var json = Json();
        return OnDataDir("api-token", "Creates an API token for the evaluator API and prints it.", [name, role, json], async (parse, dataDir, output, ct) =>
        {
            var apiRole = Enum.Parse<ApiRole>(parse.GetValue(role)!, ignoreCase: true);
            var issued = await AdminOperations.CreateApiTokenAsync(
                dataDir, parse.GetValue(name)!, apiRole, TimeProvider.System, ct).ConfigureAwait(false);
            await output.WriteLineAsync(parse.GetValue(json)
                ? JsonLine(("name", issued.Name), ("role", RoleText(issued)), ("token", issued.Token))
                : Text(issued)).ConfigureAwait(false);
        });
    }

    private static Command RevokeApiToken()
    {
        var name = new Option<string>("--name") { Description = "The token's name, as given to api-token.", Required = true, HelpName = "NAME" };
        return OnDataDir("revoke-api-token", "Deletes an API token: calls with it are refused, and its open live streams close within seconds.", [name], async (parse, dataDir, output, ct) =>
        {
            var tokenName = parse.GetValue(name)!;
            await AdminOperations.RevokeApiTokenAsync(dataDir, tokenName, ct).ConfigureAwait(false);
            await output.WriteLineAsync($"API token '{tokenName}' revoked; calls with it are refused and its open streams close within seconds (Coordinator:TokenCheckIntervalSeconds).").ConfigureAwait(false);
        });
    }

    private static Command RevokeNode()
    {
        var node = new Option<string>("--node") { Description = "The node to revoke.", Required = true, HelpName = "NAME" };
        return OnDataDir("revoke-node", "Revokes a node: its certificate is refused from now on (a new enrollment token re-admits it).", [node], async (parse, dataDir, output, ct) =>
        {
            var revoked = await AdminOperations.RevokeNodeAsync(dataDir, parse.GetValue(node)!, TimeProvider.System, ct).ConfigureAwait(false);
            await output.WriteLineAsync(revoked.AlreadyRevoked
                ? $"Node '{revoked.Node}' was already revoked."
                : $"Node '{revoked.Node}' revoked; its certificate (sha256 {revoked.CertificateSha256}) is refused from now on.").ConfigureAwait(false);
        });
    }

    private static string Text(EnrollmentTokenIssued issued) => new StringBuilder()
        .AppendLine(CultureInfo.InvariantCulture, $"Enrollment token for node '{issued.Node}' (one-time, expires {issued.ExpiresAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}):")
        .AppendLine(CultureInfo.InvariantCulture, $"  {issued.Token}")
        .AppendLine("CA pin (SHA-256 of the coordinator's CA certificate):")
        .AppendLine(CultureInfo.InvariantCulture, $"  {issued.CaSha256}")
        .AppendLine("On the node:")
        .Append(CultureInfo.InvariantCulture, $"  Partages.NodeAgent enroll --config node.yaml --token {issued.Token} --ca-sha256 {issued.CaSha256}")
        .ToString();

    private static string Text(ApiTokenIssued issued) => new StringBuilder()
        .AppendLine(CultureInfo.InvariantCulture, $"API token for '{issued.Name}' (role {RoleText(issued)}){(issued.Replaced ? "; the previous token of this name no longer works" : "")}:")
        .AppendLine(CultureInfo.InvariantCulture, $"  {issued.Token}")
        .Append(CultureInfo.InvariantCulture, $"Send it as the gRPC header: authorization: Bearer {issued.Token}")
        .ToString();

    private static string RoleText(ApiTokenIssued issued) => issued.Role.ToString().ToLowerInvariant();

    /// <summary>Runs an admin action: exit code 0, or 1 with the reason on standard error.</summary>
    private static async Task<int> RunAsync(ParseResult parse, Func<TextWriter, Task> action)
    {
        // What an admin command prints goes through the terminal guard: names and messages echo what was typed or stored.
        var output = TerminalText.Guard(parse.InvocationConfiguration.Output);
        var error = TerminalText.Guard(parse.InvocationConfiguration.Error);
        try
        {
            await action(output).ConfigureAwait(false);
            return 0;
        }
        catch (AdminException ex)
        {
            await error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            await error.WriteLineAsync($"error: the data dir or the database cannot be used: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            await output.FlushAsync().ConfigureAwait(false);
            await error.FlushAsync().ConfigureAwait(false);
        }
    }

    private static string JsonLine(params (string Key, string Value)[] fields)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in fields)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
