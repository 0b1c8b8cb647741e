using System.Net;
using Grpc.Core.Interceptors;
using Partages.Coordinator.Auth;

namespace Partages.Coordinator.Tests.Auth;

/// <summary>
/// One API-token check behind three surfaces: what the JSON API, the dashboard and the gRPC evaluator plane answer a
/// caller without a valid token, and that a session cookie is the token itself (revoked, it stops working).
/// </summary>
public sealed class ApiTokenSurfacesTests : CoordinatorFixture
{
    private const string Cookie = "__Host-partages_session";
    private string _viewer = "";

    [OneTimeSetUp]
    public async Task CreateViewerAsync() => _viewer = await Server.ApiTokenAsync("wall-screen", "viewer");

    [TestCase(null, "An API token is required: send 'Authorization: Bearer <token>' or log in to the dashboard.")]
    [TestCase("Basic d2FsbDpzY3JlZW4=", "The Authorization header must be 'Bearer <api token>'.")]
    [TestCase("Bearer pta_made-up", "The API token is not valid.")]
    public async Task ApiGet_WithoutValidToken_401JsonWithTheReason(string? authorization, string message)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/nodes");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await Server.Http().SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Should().ContainSingle(h => h.Scheme == "Bearer");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("error");
        error.GetProperty("code").GetString().Should().Be("unauthenticated");
        error.GetProperty("message").GetString().Should().Be(message);
    }

    [Test]
    public async Task ApiGet_BearerOrSessionCookie_Ok()
    {
        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/api/v1/nodes");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _viewer);
        using var cookie = new HttpRequestMessage(HttpMethod.Get, "/api/v1/nodes");
        cookie.Headers.Add("Cookie", $"{Cookie}={_viewer}");

        using var byBearer = await Server.Http().SendAsync(bearer);
        using var byCookie = await Server.Http().SendAsync(cookie);

        byBearer.StatusCode.Should().Be(HttpStatusCode.OK);
        byCookie.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task DashboardPage_NoSession_RedirectedToLoginWithThePagesHeaders()
    {
        using var response = await Server.Http().GetAsync(new Uri("/dashboard/evaluations?state=running", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.Should().Be("/dashboard/login?return_url=%2Fdashboard%2Fevaluations%3Fstate%3Drunning");
        response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("default-src 'none'");
        response.Headers.Contains("Set-Cookie").Should().BeFalse();
    }

    [Test]
    public async Task DashboardPage_SessionOfARevokedToken_RedirectedAndCookieForgotten()
    {
        var token = await Server.ApiTokenAsync("revoked-screen", "viewer");
        var http = Server.Http();
        using var login = await http.PostAsync(new Uri("/dashboard/login", UriKind.Relative), new FormUrlEncodedContent([new("token", token), new("return_url", "/dashboard/nodes")]));
        var session = login.Headers.GetValues("Set-Cookie").Single();
        session.Should().StartWith($"{Cookie}={token}").And.Contain("secure").And.Contain("httponly").And.Contain("samesite=strict");
        using var before = new HttpRequestMessage(HttpMethod.Get, "/dashboard/nodes");
        before.Headers.Add("Cookie", $"{Cookie}={token}");
        using var signedIn = await http.SendAsync(before);
        (await Server.AdminAsync("admin", "revoke-api-token", "--data-dir", Server.DataDir, "--name", "revoked-screen")).ExitCode.Should().Be(0);

        using var after = new HttpRequestMessage(HttpMethod.Get, "/dashboard/nodes");
        after.Headers.Add("Cookie", $"{Cookie}={token}");
        using var revoked = await http.SendAsync(after);

        login.StatusCode.Should().Be(HttpStatusCode.Redirect);
        signedIn.StatusCode.Should().Be(HttpStatusCode.OK);
        revoked.StatusCode.Should().Be(HttpStatusCode.Redirect);
        revoked.Headers.Location!.OriginalString.Should().StartWith("/dashboard/login?");
        revoked.Headers.GetValues("Set-Cookie").Single().Should().StartWith($"{Cookie}=;").And.Contain("expires=Thu, 01 Jan 1970");
    }

    [Test]
    public async Task ListEvaluations_NotABearerHeader_UnauthenticatedSayingSo()
    {
        var invoker = Server.Channel().CreateCallInvoker().Intercept(metadata =>
        {
            metadata.Add("authorization", "Basic d2FsbDpzY3JlZW4=");
            return metadata;
        });
        var client = new EvaluationService.EvaluationServiceClient(invoker);

        var list = async () => await client.ListEvaluationsAsync(new ListEvaluationsRequest(), deadline: TestCoordinator.Deadline());

        (await list.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(
            new Status(StatusCode.Unauthenticated, "The Authorization header must be 'Bearer <api token>'."));
    }

    [TestCase("Node 'site-a' has been revoked.", "Node 'site-a' has been revoked.")]
    [TestCase("100% sure", "100%25 sure")]
    [TestCase("Node 'hôpital'", "Node 'h%C3%B4pital'")]
    [TestCase("line\nbreak", "line%0Abreak")]
    public void PercentEncode_GrpcMessage_PrintableAsciiKeptTheRestEncoded(string detail, string expected) =>
        GrpcRefusalAttribute.PercentEncode(detail).Should().Be(expected);
}
