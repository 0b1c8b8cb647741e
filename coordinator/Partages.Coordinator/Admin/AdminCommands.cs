using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Partages.Contracts;

namespace Partages.Coordinator.Admin;

/// <summary><c>admin enrollment-token | api-token | revoke-api-token | revoke-node</c>: offline operations on a data dir.</summary>
public static class AdminCommands
{
    public static Command Create()
    {
        var admin = new Command("admin", "Operator commands that work directly on a data dir (the server may be running).");
        admin.Subcommands.Add(EnrollmentToken());
        admin.Subcommands.Add(ApiToken());
        admin.Subcommands.Add(RevokeApiToken());
        admin.Subcommands.Add(RevokeNode());
        return admin;
    }

    private static Option<string> DataDir() => new("--data-dir")
    {
        Description = "The coordinator's data dir (created if new).",
        Required = true,
        HelpName = "DIR",
    };

    private static Option<bool> Json() => new("--json") { Description = "Print one JSON line instead of text." };

    private static Command EnrollmentToken()
    {
        var dataDir = DataDir();
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
        var command = new Command("enrollment-token", "Creates a one-time enrollment token for a node and prints it with the CA pin (creates the CA if the data dir is new).")
        {
            dataDir, node, ttl, json,
        };
        command.SetAction((parse, ct) => RunAsync(parse, async output =>
        {
            var issued = await AdminOperations.CreateEnrollmentTokenAsync(
                Path.GetFullPath(parse.GetValue(dataDir)!), parse.GetValue(node)!, TimeSpan.FromHours(parse.GetValue(ttl)), TimeProvider.System, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(JsonLine(("node", issued.Node), ("token", issued.Token), ("ca_sha256", issued.CaSha256))).ConfigureAwait(false);
                return;
            }

            var text = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"Enrollment token for node '{issued.Node}' (one-time, expires {issued.ExpiresAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}):")
                .AppendLine(CultureInfo.InvariantCulture, $"  {issued.Token}")
                .AppendLine("CA pin (SHA-256 of the coordinator's CA certificate):")
                .AppendLine(CultureInfo.InvariantCulture, $"  {issued.CaSha256}")
                .AppendLine("On the node:")
                .Append(CultureInfo.InvariantCulture, $"  Partages.NodeAgent enroll --config node.yaml --token {issued.Token} --ca-sha256 {issued.CaSha256}");
            await output.WriteLineAsync(text.ToString()).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command ApiToken()
    {
        var dataDir = DataDir();
        var name = new Option<string>("--name") { Description = "Who the token is for; owner of the evaluations it submits. A name that already has a token gets a new one.", Required = true, HelpName = "NAME" };
        var role = new Option<string>("--role") { Description = "admin (everything), evaluator (submit, cancel own), viewer (read only).", Required = true, HelpName = "ROLE" };
        role.AcceptOnlyFromAmong("admin", "evaluator", "viewer");
        var json = Json();
        var command = new Command("api-token", "Creates an API token for the evaluator API and prints it.") { dataDir, name, role, json };
        command.SetAction((parse, ct) => RunAsync(parse, async output =>
        {
            var apiRole = Enum.Parse<ApiRole>(parse.GetValue(role)!, ignoreCase: true);
            var issued = await AdminOperations.CreateApiTokenAsync(
                Path.GetFullPath(parse.GetValue(dataDir)!), parse.GetValue(name)!, apiRole, TimeProvider.System, ct).ConfigureAwait(false);
            var roleText = issued.Role.ToString().ToLowerInvariant();
            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(JsonLine(("name", issued.Name), ("role", roleText), ("token", issued.Token))).ConfigureAwait(false);
                return;
            }

            var text = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"API token for '{issued.Name}' (role {roleText}){(issued.Replaced ? "; the previous token of this name no longer works" : "")}:")
                .AppendLine(CultureInfo.InvariantCulture, $"  {issued.Token}")
                .Append(CultureInfo.InvariantCulture, $"Send it as the gRPC header: authorization: Bearer {issued.Token}");
            await output.WriteLineAsync(text.ToString()).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command RevokeApiToken()
    {
        var dataDir = DataDir();
        var name = new Option<string>("--name") { Description = "The token's name, as given to api-token.", Required = true, HelpName = "NAME" };
        var command = new Command("revoke-api-token", "Deletes an API token: calls with it are refused, and its open live streams close within seconds.") { dataDir, name };
        command.SetAction((parse, ct) => RunAsync(parse, async output =>
        {
            var tokenName = parse.GetValue(name)!;
            await AdminOperations.RevokeApiTokenAsync(Path.GetFullPath(parse.GetValue(dataDir)!), tokenName, ct).ConfigureAwait(false);
            await output.WriteLineAsync($"API token '{tokenName}' revoked; calls with it are refused and its open streams close within seconds (Coordinator:TokenCheckIntervalSeconds).").ConfigureAwait(false);
        }));
        return command;
    }

    private static Command RevokeNode()
    {
        var dataDir = DataDir();
        var node = new Option<string>("--node") { Description = "The node to revoke.", Required = true, HelpName = "NAME" };
        var command = new Command("revoke-node", "Revokes a node: its certificate is refused from now on (a new enrollment token re-admits it).") { dataDir, node };
        command.SetAction((parse, ct) => RunAsync(parse, async output =>
        {
            var revoked = await AdminOperations.RevokeNodeAsync(Path.GetFullPath(parse.GetValue(dataDir)!), parse.GetValue(node)!, TimeProvider.System, ct).ConfigureAwait(false);
            await output.WriteLineAsync(revoked.AlreadyRevoked
                ? $"Node '{revoked.Node}' was already revoked."
                : $"Node '{revoked.Node}' revoked; its certificate (sha256 {revoked.CertificateSha256}) is refused from now on.").ConfigureAwait(false);
        }));
        return command;
    }

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
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            await error.WriteLineAsync($"error: the data dir cannot be used: {ex.Message}").ConfigureAwait(false);
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
