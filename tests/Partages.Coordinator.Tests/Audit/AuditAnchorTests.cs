using System.Security.Cryptography;
using Google.Protobuf;
using Partages.Contracts;
using Partages.Coordinator.Api;

namespace Partages.Coordinator.Tests.Audit;

/// <summary>
/// Issue 22, finding 6, the coordinator's side: it keeps the latest signed head of each node's audit log and refuses
/// a head that is forged, goes backwards, or changes the hash at the anchored sequence — without moving the anchor,
/// and with a warning shown on the node. Sessions are real mTLS calls with each node's enrolled certificate.
/// </summary>
[TestFixture(TestDatabaseKind.Sqlite)]
[TestFixture(TestDatabaseKind.PostgreSql)]
public sealed class AuditAnchorTests(TestDatabaseKind database) : CoordinatorFixture(database)
{
    private static readonly string HashA = new('a', 64);
    private static readonly string HashB = new('b', 64);
    private static readonly string HashC = new('c', 64);

    [Test]
    public async Task Hello_SignedHead_AnchorKeptAndGivenBackInTheNextWelcome()
    {
        var node = await Server.EnrollNodeAsync("anchor-hello");
        await using (var first = await node.ConnectAsync(node.SignedHead(12, HashA)))
        {
            (await first.ReadWelcomeAsync()).AuditAnchor.Head.Should().BeNull("nothing was anchored before this first hello");
            await first.CloseAsync();
        }

        await using var second = await node.ConnectAsync(node.SignedHead(14, HashB));
        var welcome = await second.ReadWelcomeAsync();
        var anchor = await node.GetAuditAnchorAsync();

        welcome.AuditAnchor.Head.Sequence.Should().Be(12, "the welcome carries the anchor as it stood before this hello");
        welcome.AuditAnchor.Head.EntrySha256.Should().Be(HashA);
        anchor.Head.Sequence.Should().Be(14);
        anchor.Head.EntrySha256.Should().Be(HashB);
        anchor.RecordedAt.Should().NotBeNull();
        anchor.Warning.Should().BeEmpty();
    }

    [Test]
    public async Task Heartbeat_HeadBehindTheAnchor_RefusedAnchorKeptAndWarningShownOnTheNode()
    {
        var node = await Server.EnrollNodeAsync("anchor-backwards");
        await using var session = await WelcomedAsync(node, 20, HashA);

        await session.HeartbeatAsync(node.SignedHead(10, HashB));
        await session.CloseAsync(); // the coordinator applies a session's messages in order before it ends it
        var anchor = await node.GetAuditAnchorAsync();
        var view = await NodeViewAsync("anchor-backwards");

        anchor.Head.Sequence.Should().Be(20);
        anchor.Head.EntrySha256.Should().Be(HashA);
        anchor.Warning.Should().Contain("heartbeat head refused").And.Contain("#10").And.Contain("behind the anchor #20").And.Contain("went backwards");
        anchor.WarningAt.Should().NotBeNull();
        view.AuditHead.Should().Be(new AuditHeadView(20, HashA, view.AuditHead!.RecordedAt));
        view.AuditWarning!.Message.Should().Be(anchor.Warning);
    }

    [Test]
    public async Task Heartbeat_HeadSignedWithAnotherKey_RefusedAsForged()
    {
        var node = await Server.EnrollNodeAsync("anchor-forged");
        await using var session = await WelcomedAsync(node, 5, HashA);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = new AuditHead { Sequence = 50, EntrySha256 = HashC, Signature = ByteString.CopyFrom(AuditHeadSignature.Sign(otherKey, node.Name, 50, HashC)) };

        await session.HeartbeatAsync(forged);
        await session.CloseAsync();
        var anchor = await node.GetAuditAnchorAsync();

        anchor.Head.Sequence.Should().Be(5);
        anchor.Warning.Should().Contain("signature of #50").And.Contain("does not verify");
    }

    [Test]
    public async Task Heartbeat_HeadSignedForAnotherNodeName_RefusedAsForged()
    {
        var node = await Server.EnrollNodeAsync("anchor-named");
        await using var session = await WelcomedAsync(node, 5, HashA);
        var other = await Server.EnrollNodeAsync("anchor-other");
        // Signed by the node's own key but for another node's name: the domain message binds the name.
        using var key = node.Certificate.GetECDsaPrivateKey()!;
        var replayed = new AuditHead { Sequence = 9, EntrySha256 = HashB, Signature = ByteString.CopyFrom(AuditHeadSignature.Sign(key, other.Name, 9, HashB)) };

        await session.HeartbeatAsync(replayed);
        await session.CloseAsync();

        (await node.GetAuditAnchorAsync()).Head.Sequence.Should().Be(5);
    }

    [Test]
    public async Task Hello_SameSequenceAnotherHash_RefusedAsRewritten()
    {
        var node = await Server.EnrollNodeAsync("anchor-rewritten");
        await using (var first = await node.ConnectAsync(node.SignedHead(30, HashA)))
        {
            await first.ReadWelcomeAsync();
            await first.CloseAsync();
        }

        await using var second = await node.ConnectAsync(node.SignedHead(30, HashB));
        await second.ReadWelcomeAsync();
        var anchor = await node.GetAuditAnchorAsync();

        anchor.Head.EntrySha256.Should().Be(HashA);
        anchor.Warning.Should().Contain("hello head refused").And.Contain("was rewritten");
    }

    [Test]
    public async Task Heartbeat_LaterHead_MovesTheAnchor()
    {
        var node = await Server.EnrollNodeAsync("anchor-forward");
        await using var session = await WelcomedAsync(node, 3, HashA);

        await session.HeartbeatAsync(node.SignedHead(4, HashB));
        await session.CloseAsync();
        var anchor = await node.GetAuditAnchorAsync();

        anchor.Head.Sequence.Should().Be(4);
        anchor.Head.EntrySha256.Should().Be(HashB);
        anchor.Warning.Should().BeEmpty();
    }

    private async Task<NodeView> NodeViewAsync(string name)
    {
        var nodes = await Server.App.Services.GetRequiredService<CoordinatorReadModel>().NodesAsync(CancellationToken.None);
        return nodes.Single(n => n.Name == name);
    }

    /// <summary>The node connected with its hello carrying a signed head (<paramref name="sequence"/>, <paramref name="hash"/>), welcomed.</summary>
    private static async Task<NodeSessionClient> WelcomedAsync(TestNode node, long sequence, string hash)
    {
        var session = await node.ConnectAsync(node.SignedHead(sequence, hash));
        await session.ReadWelcomeAsync();
        return session;
    }
}
