using System.Net;

namespace Partages.Coordinator.Tests.Hosting;

/// <summary>HSTS on the HTTPS port, and the dashboard's sign-in limited per client address.</summary>
public sealed class WebSecurityTests
{
    private const string HostName = "coordinator.test";
    private TestCoordinator _coordinator = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _coordinator = await TestCoordinator.StartAsync(settings:
    [
        "--Coordinator:LoginAttemptsPerMinute=3",
        $"--Coordinator:ServerHostNames:0={HostName}",
    ]);

    [OneTimeTearDown]
    public async Task StopAsync() => await _coordinator.DisposeAsync();

    [Test]
    public async Task AnyAnswer_ToTheCoordinatorsName_CarriesStrictTransportSecurity()
    {
        var http = _coordinator.Http();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        // The HSTS middleware leaves localhost and loopback addresses out; a coordinator is reached by its name.
        request.Headers.Host = $"{HostName}:{_coordinator.Address.Port}";

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.GetValues("Strict-Transport-Security").Should().Equal("max-age=31536000");
    }

    [Test]
    public async Task DashboardLogin_MoreAttemptsThanTheLimit_429WithRetryAfter()
    {
        var http = _coordinator.Http();
        var answers = new List<HttpResponseMessage>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            answers.Add(await http.PostAsync("/dashboard/login", new FormUrlEncodedContent([new("token", $"pta_wrong-{attempt}")])));
        }

        answers.Take(3).Select(a => a.StatusCode).Should().OnlyContain(s => s == HttpStatusCode.Unauthorized);
        var refused = answers[3];
        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        refused.Headers.RetryAfter!.Delta!.Value.Should().BeGreaterThan(TimeSpan.Zero).And.BeLessThanOrEqualTo(TimeSpan.FromMinutes(1));
        (await refused.Content.ReadAsStringAsync()).Should().Contain("Too many sign-in attempts");
        answers.ForEach(a => a.Dispose());
    }
}
