using Partages.Coordinator.Evaluators;

namespace Partages.Coordinator.Tests.Evaluators;

/// <summary>
/// A token replaced or revoked (by the admin commands, straight in the database) closes the streams opened with it:
/// the JSON API's server-sent events, the dashboard's live regions and WatchEvaluation. The token watch runs on the
/// coordinator's clock, which the tests move; then they wait for the stream's end with a timeout, never a pause.
/// </summary>
public sealed class TokenRevocationTests : CoordinatorFixture
{
    protected override string[] Settings => ["--Coordinator:TokenCheckIntervalSeconds=2"];

    private int _names;

    [TestCase("/api/v1/nodes/events", false, true, TestName = "NodesEvents_TokenReplaced_StreamEnds")]
    [TestCase("/api/v1/evaluations/events", false, false, TestName = "EvaluationsEvents_TokenRevoked_StreamEnds")]
    [TestCase("/dashboard/nodes/live", true, false, TestName = "DashboardNodesLive_TokenRevoked_StreamEnds")]
    [TestCase("/dashboard/evaluations/live", true, true, TestName = "DashboardEvaluationsLive_TokenReplaced_StreamEnds")]
    public async Task ServerSentEvents_TokenGone_StreamEnds(string path, bool cookie, bool replace)
    {
        var name = NewName();
        var token = await Server.ApiTokenAsync(name, "viewer");
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookie)
        {
            request.Headers.Add("Cookie", $"__Host-partages_session={token}");
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await Server.Http().SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.IsSuccessStatusCode.Should().BeTrue();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        (await FirstDataLineAsync(reader)).Should().NotBeNull("the stream sends its first snapshot at once");

        await GoneAsync(name, replace);

        var rest = await reader.ReadToEndAsync().WaitAsync(TestCoordinator.CallTimeout);
        rest.Should().NotContain("data:", "nothing is sent after the token went");
    }

    [Test]
    public async Task WatchEvaluation_TokenReplaced_EndsUnauthenticated()
    {
        var name = NewName();
        var evaluator = Server.EvaluatorClient(await Server.ApiTokenAsync(name, "evaluator"));
        await Server.EnrollNodeAsync("never-connects");
        var bundle = await Evaluations.UploadBundleAsync(evaluator);
        var evaluation = await Evaluations.SubmitAsync(evaluator, bundle.Sha256, Evaluations.Spec(), "never-connects");
        using var call = evaluator.WatchEvaluation(new GetEvaluationRequest { EvaluationId = evaluation.Id }, deadline: TestCoordinator.Deadline());
        (await call.ResponseStream.MoveNext(CancellationToken.None)).Should().BeTrue();
        call.ResponseStream.Current.State.Should().Be(EvaluationState.Running);

        await GoneAsync(name, replace: true);
        var next = async () => await call.ResponseStream.MoveNext(CancellationToken.None);

        var ended = (await next.Should().ThrowAsync<RpcException>()).Which.Status;
        ended.StatusCode.Should().Be(StatusCode.Unauthenticated);
        ended.Detail.Should().Be(ApiTokenWatch.RevokedDetail);
    }

    [Test]
    public async Task NodesEvents_OtherTokenReplaced_StreamStaysOpen()
    {
        var token = await Server.ApiTokenAsync(NewName(), "viewer");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/nodes/events");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Server.Http().SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await FirstDataLineAsync(reader);
        var open = Watch.Count;

        await GoneAsync(NewName(), replace: true);

        Watch.Count.Should().Be(open, "only the streams of the replaced token end");
    }

    private ApiTokenWatch Watch => Server.App.Services.GetRequiredService<ApiTokenWatch>();

    private string NewName() => $"streamer-{Interlocked.Increment(ref _names)}";

    /// <summary>Replaces or revokes the token through the admin command, then moves the clock to the token watch's next check and waits for it.</summary>
    private async Task GoneAsync(string name, bool replace)
    {
        if (replace)
        {
            await Server.ApiTokenAsync(name, "viewer");
        }
        else
        {
            var (exit, _, error) = await Server.AdminAsync("admin", "revoke-api-token", "--data-dir", Server.DataDir, "--name", name);
            exit.Should().Be(0, error);
        }

        var checkedOnce = Watch.NextCheck;
        Server.Time.Advance(TimeSpan.FromSeconds(2));
        await checkedOnce.WaitAsync(TestCoordinator.CallTimeout);
    }

    private static async Task<string?> FirstDataLineAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync().WaitAsync(TestCoordinator.CallTimeout) is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                return line;
            }
        }

        return null;
    }
}
