using Partages.Coordinator.Api;
using Partages.Coordinator.Dashboard.Pages;
using Partages.Coordinator.ReadModel;

// Outside the Partages.Dashboard.Tests namespace on purpose: FederationSetUp starts a coordinator, three nodes and a
// browser for every test under that namespace, and this renderer test needs none of it.
namespace Partages.Dashboard.Rendering.Tests;

/// <summary>The nodes page's audit column: the anchored entry, and a refused head flagged with why (issue 22, finding 6).</summary>
public sealed class NodesAuditColumnTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void LiveRegion_NodeWithAnchorAndRefusedHead_ShowsTheSequenceHashAndWarning()
    {
        var node = Node("chu-a") with
        {
            AuditHead = new AuditHeadView(41, new string('9', 64), Now),
            AuditWarning = new AuditWarningView("heartbeat head refused: #38 is behind the anchor #41", Now),
        };

        var html = NodesPage.LiveRegion([node], Now);

        html.Should().Contain("<th scope=\"col\">Audit log</th>")
            .And.Contain("data-audit-head=\"41\"")
            .And.Contain($"title=\"entry SHA-256 {new string('9', 64)}\">#41</span>")
            .And.Contain("class=\"mono warn\"")
            .And.Contain("refused a head: heartbeat head refused: #38 is behind the anchor #41");
    }

    [Test]
    public void LiveRegion_NodeWithoutAnchor_ShowsADashAndNoWarning()
    {
        var html = NodesPage.LiveRegion([Node("chu-b")], Now);

        html.Should().Contain("<td class=\"mono\">—</td>").And.NotContain("refused a head");
    }

    private static NodeView Node(string name) =>
        new(name, true, false, Now, "0.1.0", "1.31.1", [], 0, 1, Now.AddDays(-10), Now.AddDays(300), null, null);
}
