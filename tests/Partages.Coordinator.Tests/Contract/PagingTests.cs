using System.Net;

namespace Partages.Coordinator.Tests.Contract;

/// <summary>docs/api.md, "Paging": page_size + opaque page_token in, next_page_token out (AIP-158), on every list RPC.</summary>
public sealed class PagingTests : EvaluatorFixture
{
    private readonly List<string> _submitted = [];

    [OneTimeSetUp]
    public async Task PrepareAsync()
    {
        var bundle = Bundle;
        foreach (var node in new[] { "node-c", "node-a", "node-e", "node-b", "node-d" })
        {
            await Server.EnrollNodeAsync(node);
        }

        for (var i = 0; i < 5; i++)
        {
            _submitted.Add((await Evaluations.SubmitAsync(Evaluator, bundle, Evaluations.Spec($"paged-{i}"), "node-a")).Id);
            // Distinct creation times, so newest-first is the reverse of the submission order (ids break ties either way).
            Server.Time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    [Test]
    public async Task ListEvaluations_PageSizeTwo_ThreePagesNewestFirstEachEvaluationOnce()
    {
        var pages = new List<ListEvaluationsResponse>();
        var request = new ListEvaluationsRequest { PageSize = 2 };
        do
        {
            var page = await Evaluator.ListEvaluationsAsync(request, deadline: TestCoordinator.Deadline());
            pages.Add(page);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0 && pages.Count < 10);

        pages.Select(p => p.Evaluations.Count).Should().Equal(2, 2, 1);
        pages.SelectMany(p => p.Evaluations.Select(e => e.Id)).Should().Equal(Enumerable.Reverse(_submitted));
        pages[^1].NextPageToken.Should().BeEmpty();
    }

    [Test]
    public async Task ListEvaluations_LegacyLimitWithoutPageSize_ServesThatManyAndATokenForTheRest()
    {
        var first = await Evaluator.ListEvaluationsAsync(new ListEvaluationsRequest { Limit = 3 }, deadline: TestCoordinator.Deadline());

        first.Evaluations.Select(e => e.Id).Should().Equal(Enumerable.Reverse(_submitted).Take(3));
        first.NextPageToken.Should().NotBeEmpty();
    }

    [Test]
    public async Task ListEvaluations_PageSizeAboveTheMaximum_ServedAsTheMaximum()
    {
        var all = await Evaluator.ListEvaluationsAsync(new ListEvaluationsRequest { PageSize = int.MaxValue }, deadline: TestCoordinator.Deadline());

        all.Evaluations.Should().HaveCount(_submitted.Count);
        all.NextPageToken.Should().BeEmpty();
    }

    [Test]
    public async Task ListNodes_PageSizeTwo_FollowsTokensToEveryNodeByName()
    {
        var names = new List<string>();
        var request = new ListNodesRequest { PageSize = 2 };
        var pages = 0;
        do
        {
            var page = await Evaluator.ListNodesAsync(request, deadline: TestCoordinator.Deadline());
            page.Nodes.Count.Should().BeLessThanOrEqualTo(2);
            names.AddRange(page.Nodes.Select(n => n.Name));
            request.PageToken = page.NextPageToken;
            pages++;
        }
        while (request.PageToken.Length > 0 && pages < 10);

        pages.Should().Be(3);
        names.Should().Equal("node-a", "node-b", "node-c", "node-d", "node-e");
    }

    [Test]
    public async Task ListNodes_NoPageSize_EveryNodeInOnePageAsBeforePaging()
    {
        var all = await Evaluator.ListNodesAsync(new ListNodesRequest(), deadline: TestCoordinator.Deadline());

        all.Nodes.Should().HaveCount(5);
        all.NextPageToken.Should().BeEmpty();
    }

    [TestCase("not base64 at all!")]
    [TestCase("bmQxCm5vZGUtYg")] // A ListNodes token ("nd1\nnode-b"): opaque, but not ListEvaluations'.
    public async Task ListEvaluations_TokenItDidNotIssue_InvalidArgumentNamingPageToken(string token)
    {
        var list = async () => await Evaluator.ListEvaluationsAsync(new ListEvaluationsRequest { PageToken = token }, deadline: TestCoordinator.Deadline());

        ErrorModelTests.Violations((await list.Should().ThrowAsync<RpcException>()).Which).Should().ContainSingle().Which.Field.Should().Be("page_token");
    }

    [Test]
    public async Task ListNodes_TokenFromListEvaluations_InvalidArgumentNamingPageToken()
    {
        var evaluationsToken = (await Evaluator.ListEvaluationsAsync(new ListEvaluationsRequest { PageSize = 1 }, deadline: TestCoordinator.Deadline())).NextPageToken;

        var list = async () => await Evaluator.ListNodesAsync(new ListNodesRequest { PageToken = evaluationsToken }, deadline: TestCoordinator.Deadline());

        evaluationsToken.Should().NotBeEmpty();
        ErrorModelTests.Violations((await list.Should().ThrowAsync<RpcException>()).Which).Should().ContainSingle().Which.Field.Should().Be("page_token");
    }

    [Test]
    public async Task ApiEvaluations_LimitTwoWithPageTokens_EveryEvaluationOnceNewestFirst()
    {
        using var http = ApiClient();
        var ids = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            using var page = JsonDocument.Parse(await http.GetStringAsync(new Uri(Server.Address, $"/api/v1/evaluations?limit=2&page_token={Uri.EscapeDataString(token)}")));
            ids.AddRange(page.RootElement.GetProperty("evaluations").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
            token = page.RootElement.GetProperty("next_page_token").GetString()!;
            pages++;
        }
        while (token.Length > 0 && pages < 10);

        pages.Should().Be(3);
        ids.Should().Equal(Enumerable.Reverse(_submitted));
    }

    [Test]
    public async Task ApiEvaluations_PageTokenItDidNotIssue_400InvalidArgument()
    {
        using var http = ApiClient();

        using var response = await http.GetAsync(new Uri(Server.Address, "/api/v1/evaluations?page_token=bmQxCm5vZGUtYg"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("error").GetProperty("code").GetString().Should().Be("invalid_argument");
    }

    private HttpClient ApiClient()
    {
        var http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = TestPki.TrustOnly(Server.CaCertificate) },
        });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return http;
    }
}
