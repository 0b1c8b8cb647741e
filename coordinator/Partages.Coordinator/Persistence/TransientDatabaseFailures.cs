using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Partages.Coordinator.Persistence;

/// <summary>
/// A database that refuses or drops connections for a while (PostgreSQL at <c>max_connections</c>, SQLSTATE 53300; the
/// server restarting or down; a pool that waited too long for a free connection; SQLite busy) is a condition the
/// caller should wait out, not a coordinator bug: it is answered as gRPC <c>UNAVAILABLE</c> (or HTTP 503) with a
/// retry delay, so nodes and evaluators back off and try again instead of reading a 500 or <c>UNKNOWN</c>.
/// </summary>
public static class TransientDatabaseFailures
{
    /// <summary>The delay a refused caller is told to wait (<c>google.rpc.RetryInfo</c>, <c>Retry-After</c>).</summary>
    public static TimeSpan RetryAfter { get; } = TimeSpan.FromSeconds(3);

    /// <summary>The <c>google.rpc.ErrorInfo</c> reason and domain of these refusals.</summary>
    public const string Reason = "DATABASE_UNAVAILABLE";

    public const string Domain = "coordinator.partages";

    /// <summary>Whether <paramref name="exception"/> (or one it wraps: EF Core wraps provider errors) is such a failure.</summary>
    public static bool IsTransient(Exception exception) => Cause(exception) is not null;

    /// <summary>The transient provider error inside <paramref name="exception"/>, or null when there is none.</summary>
    public static Exception? Cause(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                // Npgsql marks as transient the server's resource and connection classes (53xxx, 08xxx, 57P0x, 40001,
                // 40P01...) and the connection's own I/O, timeout and connection-refused failures.
                case NpgsqlException { IsTransient: true }:
                // SQLITE_BUSY / SQLITE_LOCKED: another writer held the file beyond the busy timeout.
                case SqliteException { SqliteErrorCode: 5 or 6 }:
                    return current;
            }
        }

        return null;
    }

    /// <summary>"PostgreSQL 53300: sorry, too many clients already": what the coordinator's log is told (the
    /// provider's own text may name paths or server state, so it never reaches a caller: see <see cref="Kind"/>).</summary>
    public static string Describe(Exception exception)
    {
        var cause = Cause(exception) ?? exception;
        return cause switch
        {
            PostgresException postgres => $"PostgreSQL {postgres.SqlState}: {postgres.MessageText}",
            NpgsqlException npgsql => $"PostgreSQL connection: {(npgsql.InnerException ?? npgsql).Message}",
            SqliteException sqlite => $"SQLite {sqlite.SqliteErrorCode}: {sqlite.Message}",
            _ => cause.Message,
        };
    }

    /// <summary>"PostgreSQL 53300", "PostgreSQL connection", "SQLite 5": what a caller is told, before authentication
    /// included — the kind of failure, never the provider's text.</summary>
    public static string Kind(Exception exception)
    {
        var cause = Cause(exception) ?? exception;
        return cause switch
        {
            PostgresException postgres => $"PostgreSQL {postgres.SqlState}",
            NpgsqlException => "PostgreSQL connection",
            SqliteException sqlite => $"SQLite {sqlite.SqliteErrorCode}",
            _ => "database",
        };
    }

    /// <summary>The caller's answer: UNAVAILABLE, the reason, a <c>RetryInfo</c> and an <c>ErrorInfo</c>.</summary>
    public static Google.Rpc.Status Status(Exception exception) => new()
    {
        Code = (int)Code.Unavailable,
        Message = Message(exception),
        Details =
        {
            Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(RetryAfter) }),
            Any.Pack(new ErrorInfo { Reason = Reason, Domain = Domain }),
        },
    };

    /// <summary>"The coordinator's database is unavailable for now (…); retry in 3 s."</summary>
    public static string Message(Exception exception) =>
        $"The coordinator's database is unavailable for now ({Kind(exception)}); retry in {RetryAfter.TotalSeconds:0} s.";
}
