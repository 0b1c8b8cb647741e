using Partages.Coordinator.Dashboard.Pages;

namespace Partages.Coordinator.Tests.Pki;

/// <summary>
/// Certificate expiry per node on the JSON API and the dashboard: a node with less than a quarter of its certificate's
/// lifetime left is flagged, and a renewal shows when it happened and clears the flag.
/// </summary>
public sealed class CertificateExpiryViewTests : CoordinatorFixture
{
    // One-hour certificates; the clock moves 50 minutes, so the periodic checks run at long intervals (few timer ticks).
    protected override string[] Settings => ["--Coordinator:NodeCertificateMinutes=60", "--Coordinator:LeaseCheckIntervalSeconds=600", "--Coordinator:TokenCheckIntervalSeconds=300"];

    [Test]
    public async Task NodesApiAndPage_CertificatePastThreeQuartersOfItsLifetime_FlaggedUntilRenewed()
    {
        var node = await Server.EnrollNodeAsync("expiring-soon");
        var viewer = await Server.ApiTokenAsync("expiry-viewer", "viewer");
        (await CertificateJsonAsync(viewer, "expiring-soon")).GetProperty("expires_soon").GetBoolean().Should().BeFalse();

        Server.Time.Advance(TimeSpan.FromMinutes(50));

        var flagged = await CertificateJsonAsync(viewer, "expiring-soon");
        flagged.GetProperty("expires_soon").GetBoolean().Should().BeTrue();
        flagged.GetProperty("renewed_at").ValueKind.Should().Be(JsonValueKind.Null);
        (await PageAsync()).Should().Contain("data-certificate-soon=\"true\"").And.Contain("close to expiry");

        var (key, csr) = Testing.TestPki.CreateCsr("expiring-soon");
        using var _ = key;
        await node.Client.RenewCertificateAsync(new RenewCertificateRequest { CsrPem = csr }, deadline: TestCoordinator.Deadline());

        var renewed = await CertificateJsonAsync(viewer, "expiring-soon");
        renewed.GetProperty("expires_soon").GetBoolean().Should().BeFalse();
        renewed.GetProperty("renewed_at").GetDateTimeOffset().Should().BeCloseTo(Server.Time.GetUtcNow(), TimeSpan.FromMilliseconds(1));
        renewed.GetProperty("issuer_sha256").GetString().Should().Be(Evaluation.ContentHash.Of(Server.CaCertificate.RawData));
        (await PageAsync()).Should().Contain("data-certificate-soon=\"false\"").And.Contain("renewed 0 s ago");
    }

    private async Task<JsonElement> CertificateJsonAsync(string token, string node)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/nodes");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Server.Http().SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("name").GetString() == node).GetProperty("certificate").Clone();
    }

    private async Task<string> PageAsync()
    {
        var nodes = await Server.App.Services.GetRequiredService<CoordinatorReadModel>().NodesAsync(CancellationToken.None);
        return NodesPage.LiveRegion(nodes, Server.Time.GetUtcNow());
    }
}
