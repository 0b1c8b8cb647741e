using System.Net;
using System.Net.Sockets;
using Google.Rpc;
using Npgsql;

namespace Partages.Coordinator.Tests.Persistence;

/// <summary>
/// A PostgreSQL server refusing connections (SQLSTATE 53300, here through a role's connection limit on the real test
/// server; or nothing listening) is answered UNAVAILABLE with a retry delay, on the node plane's certificate check and
/// inside methods, and HTTP 503 with Retry-After on the JSON API; never a 500 or UNKNOWN. Once the server accepts
/// connections again the same calls succeed.
/// </summary>
[NonParallelizable]
public sealed class TransientDatabaseFailureTests
{
    private readonly string _role = $"r_{Guid.NewGuid():N}";
    private TestDatabase _database = null!;
    private TestCoordinator _server = null!;

    private string Superuser => new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Username = "postgres", Database = "postgres" }.ConnectionString;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _database = await TestDatabase.CreateOwnedByRoleAsync(nameof(TransientDatabaseFailureTests), _role);
        _server = await TestCoordinator.StartAsync(database: _database);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await SetConnectionLimitAsync(-1);
        var errors = _server?.Errors.Errors.ToList() ?? [];
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await _database.DisposeAsync();
        await ExecuteAsSuperuserAsync($"DROP ROLE IF EXISTS {_role}");
        // EF Core logs the refused connections themselves as errors; nothing else may (an unhandled exception, a 500).
        errors.Where(error => !error.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)).Should().BeEmpty();
    }

    [Test]
    public async Task NodeCall_PostgresTooManyConnections_UnavailableWithRetryDelayThenServedWhenConnectionsReturn()
    {
        var node = await _server.EnrollNodeAsync("refused");
        var token = await _server.ApiTokenAsync("viewer", "viewer");
        await node.GetAuditAnchorAsync();

        await RefuseConnectionsAsync();
        try
        {
            var call = async () => await node.GetAuditAnchorAsync();
            var refused = (await call.Should().ThrowAsync<RpcException>()).Which;
            refused.StatusCode.Should().Be(StatusCode.Unavailable);
            refused.Status.Detail.Should().Contain("53300");
            refused.Status.Detail.Should().NotContain("role", "the server's own text (role names, paths) stays in the coordinator's log");
            var status = refused.GetRpcStatus();
            status.Should().NotBeNull("the refusal carries a google.rpc.Status");
            status!.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan().Should().Be(TransientDatabaseFailures.RetryAfter);
            status.GetDetail<ErrorInfo>().Reason.Should().Be(TransientDatabaseFailures.Reason);

            using var http = _server.Http();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/nodes");
            request.Headers.Authorization = new("Bearer", token);
            using var response = await http.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            response.Headers.RetryAfter!.Delta.Should().Be(TransientDatabaseFailures.RetryAfter);
            var body = await response.Content.ReadAsStringAsync();
            body.Should().Contain("53300");
            body.Should().NotContain("role", "the server's own text stays in the coordinator's log");
        }
        finally
        {
            await SetConnectionLimitAsync(-1);
        }

        (await node.GetAuditAnchorAsync()).Should().NotBeNull();
    }

    [Test]
    public async Task Enroll_PostgresTooManyConnectionsInsideTheMethod_UnavailableNotUnknown()
    {
        // Enroll runs without credentials: the database is first read inside the method (the token), where a failure
        // would end as UNKNOWN without the interceptor.
        var (token, _) = await _server.EnrollmentTokenAsync("late");
        var (key, csr) = TestPki.CreateCsr("late");
        using var _ = key;

        await RefuseConnectionsAsync();
        try
        {
            var call = async () => await _server.EnrollmentClient().EnrollAsync(
                new EnrollRequest { EnrollmentToken = token, CsrPem = csr, AgentVersion = "test-agent/1" }, deadline: TestCoordinator.Deadline());
            var refused = (await call.Should().ThrowAsync<RpcException>()).Which;
            refused.StatusCode.Should().Be(StatusCode.Unavailable);
            refused.GetRpcStatus()!.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan().Should().Be(TransientDatabaseFailures.RetryAfter);
        }
        finally
        {
            await SetConnectionLimitAsync(-1);
        }
    }

    [Test]
    public async Task IsTransient_ServerNotListening_True()
    {
        // A port nothing listens on: what nodes meet while the server restarts.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=postgres;Pooling=false;Timeout=5");

        var failure = (await FluentActions.Awaiting(() => connection.OpenAsync()).Should().ThrowAsync<NpgsqlException>()).Which;

        TransientDatabaseFailures.IsTransient(failure).Should().BeTrue();
        TransientDatabaseFailures.IsTransient(new InvalidOperationException("not a database failure")).Should().BeFalse();
        TransientDatabaseFailures.Status(failure).Code.Should().Be((int)Code.Unavailable);
    }

    /// <summary>The role may open no new connection (SQLSTATE 53300), and the coordinator's idle pooled ones are closed.</summary>
    private async Task RefuseConnectionsAsync()
    {
        await SetConnectionLimitAsync(0);
        NpgsqlConnection.ClearAllPools();
    }

    private Task SetConnectionLimitAsync(int limit) => ExecuteAsSuperuserAsync($"ALTER ROLE {_role} CONNECTION LIMIT {limit}");

    private async Task ExecuteAsSuperuserAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Superuser) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
