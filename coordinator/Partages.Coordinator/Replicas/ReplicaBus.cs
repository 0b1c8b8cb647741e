using Microsoft.Extensions.Options;
using Google.Protobuf;
using Npgsql;
using Partages.Coordinator.Hosting;
using Partages.Coordinator.ReadModel;
using Partages.Coordinator.Scheduling;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Replicas;

/// <summary>
/// How coordinator replicas sharing one PostgreSQL database tell each other what only another can do, with
/// PostgreSQL's LISTEN/NOTIFY on one channel (<see cref="Channel"/>), sent after the change is committed:
/// <list type="bullet">
/// <item>an evaluation changed (and which runs): the other replicas' watchers read those runs (ReadModel/LiveEvaluations);</item>
/// <item>a node may take offers: the replica holding its session offers its waiting runs (the submission ran elsewhere);</item>
/// <item>a message for a node (a CancelJob): the replica holding its session sends it;</item>
/// <item>a node's session ended here, and when: the others stop counting it online (NodeSessionRegistry.IsOnline).</item>
/// </list>
/// A notification is a hint, never the state: the state is in the database, written under the ledger's lock, so a
/// notification lost while a replica reconnects to PostgreSQL costs latency, not correctness — on (re)connecting, a
/// replica offers to every node it holds and reads every watched evaluation again. With SQLite (one replica) it does nothing.
/// </summary>
public sealed partial class ReplicaBus(
    IOptions<CoordinatorOptions> options,
    LiveEvaluations live,
    NodeSessionRegistry sessions,
    TimeProvider time,
    IServiceProvider services,
    ILogger<ReplicaBus> logger) : BackgroundService
{
    public const string Channel = "partages_replicas";

    /// <summary>PostgreSQL refuses payloads of 8,000 bytes or more; lists are split below it.</summary>
    private const int MaxPayload = 7000;

    private readonly DatabaseSettings _database = DatabaseSettings.From(options.Value.Database, options.Value.DataDir);
    private readonly string _self = Guid.NewGuid().ToString("N")[..12];

    /// <summary>Whether there are replicas to tell (PostgreSQL): with SQLite there is one coordinator.</summary>
    public bool Enabled => _database.Provider == DatabaseProvider.PostgreSql;

    /// <summary>The ledger's offer pass, found when first needed: the ledger itself publishes through this bus.</summary>
    private Func<IReadOnlyList<string>, Task> OfferHandler => services.GetRequiredService<RunLedger>().OfferAsync;

    /// <summary>Tells the other replicas what <paramref name="changes"/> left for them; after the commit, never throws.</summary>
    internal void Publish(LedgerChanges changes)
    {
        if (!Enabled)
        {
            return;
        }

        var payloads = new List<string>();
        foreach (var (evaluationId, runIds) in changes.Evaluations)
        {
            var list = string.Join(',', runIds);
            payloads.Add(list.Length + evaluationId.Length + 20 < MaxPayload ? $"{_self}|e|{evaluationId}|{list}" : $"{_self}|e|{evaluationId}|*");
        }

        payloads.AddRange(Lists(changes.TakeRemoteNodes()).Select(nodes => $"{_self}|o|{nodes}"));
        if (payloads.Count > 0)
        {
            _ = NotifyAsync(payloads);
        }
    }

    /// <summary>Sends <paramref name="message"/> to the node through whichever replica holds its session (this one first).</summary>
    internal void Send(string node, CoordinatorMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!sessions.TrySend(node, message) && Enabled)
        {
            _ = NotifyAsync([$"{_self}|s|{node}|{Convert.ToBase64String(message.ToByteArray())}"]);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        sessions.Left += (node, at) => _ = NotifyAsync([$"{_self}|g|{node}|{at.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture)}"]);
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_database.ConnectionString);
                await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
                connection.Notification += (_, e) => Received(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                Log.Listening(logger, _self);
                backoff = TimeSpan.FromSeconds(1);
                // Whatever was notified while not listening is caught up here (see the class's remarks).
                await CatchUpAsync().ConfigureAwait(false);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                Log.ListenFailed(logger, ex, backoff.TotalSeconds);
                // A reconnection back-off (not a synchronisation delay): PostgreSQL is unreachable or restarting.
                await Task.Delay(backoff, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromSeconds(Math.Min(backoff.TotalSeconds * 2, 30));
            }
        }
    }

    private async Task CatchUpAsync()
    {
        if (sessions.Names() is { Count: > 0 } held)
        {
            await OfferAsync(OfferHandler, held).ConfigureAwait(false);
        }

        live.RefreshAll();
    }

    private void Received(string payload)
    {
        var parts = payload.Split('|', 4);
        if (parts.Length < 3 || parts[0] == _self)
        {
            return;
        }

        switch (parts[1])
        {
            case "e" when parts.Length == 4:
                live.Notifier.Publish(parts[2], parts[3] == "*" ? null : parts[3].Split(',', StringSplitOptions.RemoveEmptyEntries));
                break;
            case "o":
                var held = parts[2].Split(',').Where(sessions.IsOnline).ToList();
                if (held.Count > 0)
                {
                    _ = OfferAsync(OfferHandler, held);
                }

                break;
            case "g" when parts.Length == 4 && long.TryParse(parts[3], System.Globalization.CultureInfo.InvariantCulture, out var ticks):
                sessions.RecordLeft(parts[2], new DateTimeOffset(ticks, TimeSpan.Zero), here: false);
                sessions.PublishChange();
                break;
            case "s" when parts.Length == 4:
                sessions.TrySend(parts[2], CoordinatorMessage.Parser.ParseFrom(Convert.FromBase64String(parts[3])));
                break;
            default:
                Log.UnknownNotification(logger, parts[1]);
                break;
        }
    }

    private async Task OfferAsync(Func<IReadOnlyList<string>, Task> offer, IReadOnlyList<string> nodes)
    {
        try
        {
            await offer(nodes).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The runs stay waiting; the node's next session, or the next change for it, offers them.
            Log.OfferFailed(logger, ex, string.Join(", ", nodes));
        }
    }

    private async Task NotifyAsync(IReadOnlyList<string> payloads)
    {
        try
        {
            await using var connection = new NpgsqlConnection(_database.ConnectionString);
            await connection.OpenAsync().ConfigureAwait(false);
            foreach (var payload in payloads)
            {
                await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
                notify.Parameters.AddWithValue("channel", Channel);
                notify.Parameters.AddWithValue("payload", payload);
                await notify.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // A hint lost: the state is committed; the other replicas catch up when they read it next (class remarks).
            Log.NotifyFailed(logger, ex, payloads.Count);
        }
    }

    /// <summary>Comma-separated lists of names, each short enough for one notification.</summary>
    private static IEnumerable<string> Lists(IReadOnlyList<string> names)
    {
        var current = new List<string>();
        var length = 0;
        foreach (var name in names)
        {
            if (length + name.Length + 1 > MaxPayload - 20 && current.Count > 0)
            {
                yield return string.Join(',', current);
                current.Clear();
                length = 0;
            }

            current.Add(name);
            length += name.Length + 1;
        }

        if (current.Count > 0)
        {
            yield return string.Join(',', current);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1810, LogLevel.Information, "Replica {Replica} listening to the other replicas (PostgreSQL LISTEN).")]
        public static partial void Listening(ILogger logger, string replica);

        [LoggerMessage(1811, LogLevel.Warning, "Listening to the other replicas failed; trying again in {Seconds} s.")]
        public static partial void ListenFailed(ILogger logger, Exception exception, double seconds);

        [LoggerMessage(1812, LogLevel.Warning, "{Count} notification(s) to the other replicas could not be sent; they catch up from the database.")]
        public static partial void NotifyFailed(ILogger logger, Exception exception, int count);

        [LoggerMessage(1813, LogLevel.Warning, "Offering to node(s) {Nodes} on another replica's request failed.")]
        public static partial void OfferFailed(ILogger logger, Exception exception, string nodes);

        [LoggerMessage(1814, LogLevel.Warning, "A notification of unknown kind '{Kind}' from another replica was ignored (a newer replica?).")]
        public static partial void UnknownNotification(ILogger logger, string kind);
    }
}
