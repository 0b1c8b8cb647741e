using System.CommandLine;
using Partages.Evaluation;

namespace Partages.Benchmarks.Federation;

/// <summary>The scale-out options of <c>federation</c> (<c>--replicas</c>, <c>--postgres</c>, <c>--kill-replica</c>), kept apart from the others.</summary>
internal static class ScaleOutOptions
{
    private static readonly Option<int> Replicas = new("--replicas") { Description = "Coordinator replicas sharing one PostgreSQL database (needs --postgres above 1); node i holds its session on replica i mod N.", DefaultValueFactory = _ => 1 };
    private static readonly Option<bool> Postgres = new("--postgres") { Description = "The coordinator's database on a PostgreSQL server started for the run (Debian's package, as the tests start it) instead of SQLite." };
    private static readonly Option<bool> KillReplica = new("--kill-replica") { Description = "After the rounds, SIGKILL the last replica with its sessions open; time until its nodes are back on the others, then one more checked round." };

    public static void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Replicas);
        command.Options.Add(Postgres);
        command.Options.Add(KillReplica);
    }

    public static FederationSettings Apply(ParseResult parse, FederationSettings settings) => settings with
    {
        Replicas = parse.GetValue(Replicas),
        Postgres = parse.GetValue(Postgres),
        KillReplica = parse.GetValue(KillReplica),
    };

    /// <summary>The scale-out options' problems, added to the settings' own.</summary>
    public static void Validate(FederationSettings settings, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(errors);
        OptionRange.Check(errors, "--replicas", settings.Replicas, 1, 8);
        if (settings.Replicas > 1 && !settings.Postgres)
        {
            errors.Add("--replicas above 1 needs --postgres: replicas share one PostgreSQL database (SQLite is one process's).");
        }

        if (settings.KillReplica && (settings.Replicas < 2 || settings.Rounds == 0))
        {
            errors.Add("--kill-replica needs --replicas 2 or more (one survives) and --rounds 1 or more (a round is checked after the failover).");
        }
    }
}
