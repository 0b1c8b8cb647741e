using System.CommandLine;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Partages.Coordinator.Hosting;

namespace Partages.Coordinator.Tests.Infrastructure;

/// <summary>
/// A real coordinator host on <c>https://127.0.0.1:0</c> with a temp data dir, a clock the test controls,
/// and helpers to act as the operator (admin CLI), a node (enroll, session) and an evaluator.
/// </summary>
public sealed class TestCoordinator : IAsyncDisposable
{
    private readonly List<IDisposable> _owned = [];
    private readonly bool _ownsDataDir;

    /// <summary>Held while an admin command runs with the database's environment variables set (they are the process's).</summary>
    private static readonly SemaphoreSlim AdminEnvironment = new(1, 1);

    private readonly TestDatabase _database;

    private TestCoordinator(WebApplication app, string dataDir, bool ownsDataDir, FakeTimeProvider time, ErrorLogCollector errors, TestDatabase database)
    {
        _database = database;
        App = app;
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
        Time = time;
        Errors = errors;
        Address = new Uri(app.Urls.Single());
        CaCertificate = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(dataDir, "pki", "ca.crt")));
    }

    public WebApplication App { get; }

    public string DataDir { get; }

    public Uri Address { get; }

    public FakeTimeProvider Time { get; }

    public ErrorLogCollector Errors { get; }

    public X509Certificate2 CaCertificate { get; }

    /// <summary>How long a test waits on any one stream read or call before it fails (a guard, never a pause).</summary>
    public static TimeSpan CallTimeout { get; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Starts a coordinator on <paramref name="database"/> (SQLite in the data dir by default); <paramref name="settings"/>
    /// are extra <c>--Coordinator:Name=value</c> arguments.
    /// </summary>
    public static async Task<TestCoordinator> StartAsync(string? dataDir = null, FakeTimeProvider? time = null, TestDatabase? database = null, params string[] settings)
    {
        database ??= TestDatabase.Sqlite;
        var ownsDataDir = dataDir is null;
        dataDir ??= NewDataDir();
        time ??= new FakeTimeProvider(DateTimeOffset.UtcNow);
        var errors = new ErrorLogCollector();
        string[] args =
        [
            $"--Coordinator:DataDir={dataDir}",
            "--Coordinator:Urls=https://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
            .. database.CoordinatorSettings,
            .. settings,
        ];
        var app = Program.BuildServer(args, builder =>
        {
            builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
            builder.Logging.AddProvider(errors);
        });
        await app.StartAsync();
        return new TestCoordinator(app, dataDir, ownsDataDir, time, errors, database);
    }

    public static string NewDataDir() => Path.Combine(Path.GetTempPath(), "partages-coordinator-tests", Guid.NewGuid().ToString("N"));

    /// <summary>
    /// Runs an admin command in-process, exactly as the CLI would, on this coordinator's database (on PostgreSQL through
    /// the environment variables an operator would set); returns its exit code and output.
    /// </summary>
    public async Task<(int ExitCode, string Output, string Error)> AdminAsync(params string[] args)
    {
        var variables = _database.AdminEnvironment;
        if (variables.Count == 0)
        {
            return await RunCliAsync(args);
        }

        await AdminEnvironment.WaitAsync();
        try
        {
            foreach (var (name, value) in variables)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            return await RunCliAsync(args);
        }
        finally
        {
            foreach (var name in variables.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }

            AdminEnvironment.Release();
        }
    }

    public static async Task<(int ExitCode, string Output, string Error)> RunCliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CoordinatorCommandLine.RunAsync(args, new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null });
        return (exit, output.ToString(), error.ToString());
    }

    public async Task<(string Token, string CaSha256)> EnrollmentTokenAsync(string node, int ttlHours = 24)
    {
        var (exit, output, error) = await AdminAsync("admin", "enrollment-token", "--data-dir", DataDir, "--node", node, "--ttl-hours", ttlHours.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        exit.Should().Be(0, error);
        using var json = JsonDocument.Parse(output);
        return (json.RootElement.GetProperty("token").GetString()!, json.RootElement.GetProperty("ca_sha256").GetString()!);
    }

    public async Task<string> ApiTokenAsync(string name, string role)
    {
        var (exit, output, error) = await AdminAsync("admin", "api-token", "--data-dir", DataDir, "--name", name, "--role", role, "--json");
        exit.Should().Be(0, error);
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>A gRPC channel over TLS that trusts only the coordinator's CA, optionally presenting a client certificate.</summary>
    public GrpcChannel Channel(X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = TestPki.TrustOnly(CaCertificate),
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
            },
        };
        var channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        _owned.Add(channel);
        return channel;
    }

    /// <summary>An HTTP/1.1 client over TLS trusting only the coordinator's CA, without cookies (tests send them by hand).</summary>
    public HttpClient Http()
    {
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = TestPki.TrustOnly(CaCertificate) },
        };
        var client = new HttpClient(handler) { BaseAddress = Address, Timeout = CallTimeout };
        _owned.Add(client);
        return client;
    }

    public EnrollmentService.EnrollmentServiceClient EnrollmentClient() => new(Channel());

    /// <summary>Creates a token, a key and CSR, and enrolls: a node ready to open sessions.</summary>
    public async Task<TestNode> EnrollNodeAsync(string name)
    {
        var (token, _) = await EnrollmentTokenAsync(name);
        var (key, csr) = TestPki.CreateCsr(name);
        _owned.Add(key);
        var response = await EnrollmentClient().EnrollAsync(new EnrollRequest { EnrollmentToken = token, CsrPem = csr, AgentVersion = "test-agent/1" }, deadline: Deadline());
        var certificate = TestPki.WithKey(response.CertificatePem, key);
        _owned.Add(certificate);
        return new TestNode(this, name, certificate);
    }

    public EvaluationService.EvaluationServiceClient EvaluatorClient(string? apiToken)
    {
        var invoker = Channel().CreateCallInvoker();
        if (apiToken is not null)
        {
            invoker = invoker.Intercept(metadata =>
            {
                metadata.Add("authorization", "Bearer " + apiToken);
                return metadata;
            });
        }

        return new EvaluationService.EvaluationServiceClient(invoker);
    }

    public static DateTime Deadline() => DateTime.UtcNow + CallTimeout;

    /// <summary>Stops the host; the data dir stays (for restart tests) unless this fixture created it and <paramref name="deleteData"/>.</summary>
    public async Task StopAsync(bool deleteData)
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _owned.Clear();
        await App.StopAsync();
        await App.DisposeAsync();
        CaCertificate.Dispose();
        if (deleteData && _ownsDataDir && Directory.Exists(DataDir))
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(DataDir, recursive: true);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(deleteData: true);

    internal void Own(IDisposable disposable) => _owned.Add(disposable);
}
