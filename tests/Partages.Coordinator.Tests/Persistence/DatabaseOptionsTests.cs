using Microsoft.Extensions.Options;
using Partages.Coordinator.Hosting;

namespace Partages.Coordinator.Tests.Persistence;

/// <summary>Coordinator:Database is checked at start with the other settings, every problem listed, no secret echoed.</summary>
public sealed class DatabaseOptionsTests
{
    [Test]
    public void BuildServer_UnknownProviderAndBadLease_ListsBoth()
    {
        var build = () => Program.BuildServer(["--Coordinator:DataDir=/tmp/partages-unused", "--Coordinator:Database:Provider=mysql", "--Coordinator:LeaseCheckIntervalSeconds=0"]);

        var failures = build.Should().Throw<OptionsValidationException>().Which.Failures.ToList();
        failures.Should().HaveCount(2);
        failures.Should().Contain(f => f.Contains("Coordinator:Database:Provider is 'mysql'", StringComparison.Ordinal)).And.Contain(f => f.Contains("LeaseCheckIntervalSeconds", StringComparison.Ordinal));
    }

    [TestCase("postgresql", "", "Coordinator:Database:ConnectionString is required")]
    [TestCase("postgresql", "Host=db.example;Password=hunter2", "has no Database")]
    [TestCase("postgresql", "Database=partages;Password=hunter2", "has no Host")]
    [TestCase("postgresql", "Host=db;Database=p;Password=hunter2;Colour=blue", "is not a valid PostgreSQL connection string")]
    [TestCase("sqlite", "Data Source=/tmp/elsewhere.db", "whose database is always <data-dir>/coordinator.db")]
    [TestCase("", "", "Coordinator:Database:Provider is ''")]
    public void Collect_InvalidDatabase_OneErrorNamingTheSettingWithoutThePassword(string provider, string connectionString, string expected)
    {
        var options = new CoordinatorOptions { DataDir = "/tmp/x" };
        options.Database.Provider = provider;
        options.Database.ConnectionString = connectionString;

        var errors = CoordinatorOptionsValidator.Collect(options);

        errors.Should().ContainSingle().Which.Should().Contain(expected).And.NotContain("hunter2");
    }

    [TestCase("sqlite", "")]
    [TestCase("PostgreSQL", "Host=db.example;Port=5432;Database=partages;Username=partages;Password=secret")]
    public void Collect_ValidDatabase_NoError(string provider, string connectionString)
    {
        var options = new CoordinatorOptions { DataDir = "/tmp/x" };
        options.Database.Provider = provider;
        options.Database.ConnectionString = connectionString;

        CoordinatorOptionsValidator.Collect(options).Should().BeEmpty();
    }

    [Test]
    public void Settings_PostgreSqlOptions_OpensThePostgreSqlContextAndHidesTheConnectionString()
    {
        var options = new DatabaseOptions { Provider = "postgresql", ConnectionString = "Host=db;Database=partages;Password=hunter2" };
        var settings = DatabaseSettings.From(options, "/tmp/x");

        using var db = CoordinatorDatabase.Create(settings);

        db.Should().BeOfType<PostgreSqlCoordinatorDbContext>();
        settings.ToString().Should().NotContain("hunter2");
        CoordinatorDatabase.Create(DatabaseSettings.From(new DatabaseOptions(), "/tmp/x")).Should().BeOfType<SqliteCoordinatorDbContext>();
    }
}
