/// <summary>Outside every namespace, so NUnit runs it once around the whole assembly: the shared PostgreSQL server stops after the last test, whatever failed.</summary>
[SetUpFixture]
#pragma warning disable CA1050 // An assembly-wide SetUpFixture must be outside every namespace.
public sealed class SharedPostgresTeardown
#pragma warning restore CA1050
{
    [OneTimeTearDown]
    public Task StopAsync() => SharedPostgres.StopAsync();
}
