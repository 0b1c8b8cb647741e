namespace Partages.NodeAgent.Tests.Trust;

/// <summary>The shared CA discovery (the node's enrollment and the CLI's login) against a coordinator on loopback.</summary>
public sealed class CaDiscoveryTests : FakeCoordinatorFixture
{
    [Test]
    public async Task FetchAsync_PinnedCa_ReturnsIt()
    {
        using var ca = await CaDiscovery.FetchAsync(Coordinator.Address, Pin(Pki.Pin), TimeSpan.FromSeconds(30), CancellationToken.None);

        CaPin.Of(ca).Should().Be(Pki.Pin);
    }

    [Test]
    public async Task FetchAsync_BodyLargerThanACertificateWithNoLengthAnnounced_RefusedWithoutReadingItAll()
    {
        // Both copies once trusted the Content-Length header alone; a server announcing none could send without end.
        Coordinator.CaDiscoveryBody = new string('A', 1024 * 1024);

        var act = () => CaDiscovery.FetchAsync(Coordinator.Address, Pin(Pki.Pin), TimeSpan.FromSeconds(30), CancellationToken.None);

        var error = (await act.Should().ThrowAsync<CaDiscoveryException>()).Which;
        error.Failure.Should().Be(CaDiscoveryFailure.NotACertificate);
        error.Message.Should().Contain("too large");
    }

    [Test]
    public async Task FetchAsync_AnotherCasPin_RefusedNamingBothHashes()
    {
        using var other = new TestPki("Another CA");

        var act = () => CaDiscovery.FetchAsync(Coordinator.Address, Pin(other.Pin), TimeSpan.FromSeconds(30), CancellationToken.None);

        var error = (await act.Should().ThrowAsync<CaDiscoveryException>()).Which;
        error.Failure.Should().Be(CaDiscoveryFailure.WrongPin);
        error.Message.Should().Contain(Pki.Pin).And.Contain(other.Pin);
    }

    private static CaPin Pin(string hex)
    {
        CaPin.TryParse(hex, out var pin, out _).Should().BeTrue();
        return pin!;
    }
}
