using System.Net;

namespace Partages.Coordinator.Tests.Hosting;

/// <summary>HSTS on the HTTPS port, and the dashboard's sign-in limited per client address.</summary>
public sealed class WebSecurityTests : CoordinatorFixture
{
    private const string HostName = "coordinator.test";

    protected override string[] Settings => ["--Coordinator:LoginAttemptsPerMinute=3", $"--Coordinator:ServerHostNames:0={HostName}"];

    [Test]
    public async Task AnyAnswer_ToTheCoordinatorsName_CarriesStrictTransportSecurity()
    {
        var http = Server.Http();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        // The HSTS middleware leaves localhost and loopback addresses out; a coordinator is reached by its name.
        request.Headers.Host = $"{HostName}:{Server.Address.Port}";

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.GetValues("Strict-Transport-Security").Should().Equal("max-age=31536000");
    }

    [Test]
    public async Task DashboardLogin_MoreAttemptsThanTheLimit_429WithRetryAfter()
    {
        var http = Server.Http();
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
