using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Partages.Dashboard.Tests.Api;

/// <summary>The JSON API over the coordinator's real TLS port, trusting only its CA, as a script or a wall screen would call it.</summary>
public sealed class ApiTests : BrowserTest
{
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public void CreateClient()
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Federation.Federation.CoordinatorDataDirectory, "pki", "ca.crt"));
        var handler = new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return certificate is not null && chain.Build(new X509Certificate2(certificate));
                },
            },
        };
        _client = new HttpClient(handler) { BaseAddress = Federation.BaseUrl, Timeout = DashboardFederation.Timeout };
    }

    [OneTimeTearDown]
    public void DisposeClient() => _client.Dispose();

    [Test]
    public async Task GetNodes_NoToken_401WithJsonError()
    {
        using var response = await _client.GetAsync(new Uri("/api/v1/nodes", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Should().ContainSingle(h => h.Scheme == "Bearer");
        var error = await ErrorAsync(response);
        error.GetProperty("code").GetString().Should().Be("unauthenticated");
        error.GetProperty("message").GetString().Should().Contain("Bearer");
    }

    [Test]
    public async Task GetNodes_UnknownToken_401()
    {
        using var response = await SendAsync("/api/v1/nodes", "0000");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await ErrorAsync(response)).GetProperty("message").GetString().Should().Contain("not valid");
    }

    [Test]
    public async Task GetNodes_ViewerToken_EveryNodeOnlineInSnakeCase()
    {
        using var response = await SendAsync("/api/v1/nodes", Federation.ViewerToken);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var nodes = json.RootElement.GetProperty("nodes").EnumerateArray().ToList();
        nodes.Select(n => n.GetProperty("name").GetString()).Should().Equal(Federation.NodeNames.Order(StringComparer.Ordinal));
        foreach (var node in nodes)
        {
            node.GetProperty("online").GetBoolean().Should().BeTrue();
            node.GetProperty("agent_version").GetString().Should().NotBeEmpty();
            node.GetProperty("onnxruntime_version").GetString().Should().NotBeEmpty();
            node.GetProperty("last_heartbeat").GetDateTimeOffset().Should().BeAfter(DateTimeOffset.UtcNow.AddMinutes(-5));
            node.GetProperty("certificate_not_after").GetDateTimeOffset().Should().BeAfter(DateTimeOffset.UtcNow.AddDays(300));
            node.GetProperty("datasets").EnumerateArray().Select(d => d.GetProperty("name").GetString()).Should().Contain(["amr-reports", "amr-large"]);
            node.GetProperty("datasets")[0].GetProperty("approximate_documents").GetInt64().Should().BePositive();
            node.TryGetProperty("active_runs", out _).Should().BeTrue();
        }
    }

    [Test]
    public async Task GetEvaluation_UnknownId_404WithJsonError()
    {
        using var response = await SendAsync("/api/v1/evaluations/ev_nope", Federation.ViewerToken);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        var error = await ErrorAsync(response);
        error.GetProperty("code").GetString().Should().Be("not_found");
        error.GetProperty("message").GetString().Should().Contain("ev_nope");
    }

    [Test]
    public async Task GetEvaluations_BadState_400()
    {
        using var response = await SendAsync("/api/v1/evaluations?state=sleeping", Federation.ViewerToken);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await ErrorAsync(response)).GetProperty("message").GetString().Should().Contain("sleeping");
    }

    [Test]
    public async Task GetEvaluation_Completed_RunsWithHistoryPayloadHashAndPooledResult()
    {
        using var cts = TestTimeout();
        var submitted = await Federation.SubmitAsync("amr-reports", cts.Token);
        var final = await Federation.WaitUntilFinalAsync(submitted.Id, cts.Token);
        final.State.Should().Be(EvaluationState.Completed);

        using var response = await SendAsync($"/api/v1/evaluations/{submitted.Id}", Federation.ViewerToken);
        using var listed = await SendAsync("/api/v1/evaluations?state=completed&limit=500", Federation.ViewerToken);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var evaluation = json.RootElement;
        evaluation.GetProperty("state").GetString().Should().Be("completed");
        evaluation.GetProperty("pooled_result").GetProperty("schema").GetString().Should().Be("partages.pooled-results/v1");
        foreach (var run in evaluation.GetProperty("runs").EnumerateArray())
        {
            var expected = final.Runs.Single(r => r.Id == run.GetProperty("id").GetString());
            run.GetProperty("result_sha256").GetString().Should().Be(Partages.Evaluation.ContentHash.Of(expected.ResultJson));
            // "accepted" may be missing: the dashboard tests share one federation, so this spec and bundle may repeat an
            // earlier request, which the node answers from its release cache at once — the result can be stored before
            // the session's queued JobAccepted is applied (and a late accept for a finished run is dropped).
            run.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("state").GetString())
                .Should().StartWith(["queued", "offered"]).And.EndWith("succeeded");
        }

        using var list = JsonDocument.Parse(await listed.Content.ReadAsStringAsync());
        var summaries = list.RootElement.GetProperty("evaluations").EnumerateArray().ToList();
        summaries.Should().Contain(e => e.GetProperty("id").GetString() == submitted.Id);
        summaries.Should().OnlyContain(e => e.GetProperty("state").GetString() == "completed");
    }

    [Test]
    public async Task GetEvents_RunningEvaluation_SnapshotThenChangesUntilFinalThenTheStreamEnds()
    {
        using var cts = TestTimeout();
        var submitted = await Federation.SubmitAsync("amr-reports", cts.Token);

        await using var events = await EventsAsync($"/api/v1/evaluations/{submitted.Id}/events", cts.Token);
        var items = events.Items;
        var messages = new List<(string Type, JsonElement Data)>();
        while (await items.MoveNextAsync())
        {
            messages.Add((items.Current.EventType, JsonDocument.Parse(items.Current.Data).RootElement.Clone()));
        }

        // The stream ended by itself, after the final change: the whole evaluation first, then only what changed.
        messages.Should().HaveCountGreaterThan(1);
        messages[0].Type.Should().Be("snapshot");
        messages[0].Data.GetProperty("runs").GetArrayLength().Should().Be(submitted.Runs.Count);
        messages.Skip(1).Should().OnlyContain(m => m.Type == "change");
        messages[^1].Data.GetProperty("state").GetString().Should().Be("completed");
        messages.Take(messages.Count - 1).Should().OnlyContain(m => m.Data.GetProperty("state").GetString() == "running");
        messages.Select(m => m.Data.GetRawText()).Should().OnlyHaveUniqueItems();

        // The changes applied to the first snapshot give the evaluation as the API reads it at the end.
        var runs = new Dictionary<string, string>();
        foreach (var (_, data) in messages)
        {
            foreach (var run in data.GetProperty("runs").EnumerateArray())
            {
                runs[run.GetProperty("id").GetString()!] = run.GetProperty("state").GetString()!;
            }
        }

        using var final = await SendAsync($"/api/v1/evaluations/{submitted.Id}", Federation.ViewerToken);
        using var stored = JsonDocument.Parse(await final.Content.ReadAsStringAsync());
        runs.Should().BeEquivalentTo(stored.RootElement.GetProperty("runs").EnumerateArray()
            .ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("state").GetString()!));
    }

    [Test]
    public async Task GetEvaluationsEvents_SubmittedWhileANodeIsDown_SnapshotsShowItRunningThenCompleted()
    {
        using var cts = TestTimeout();
        await using var events = await EventsAsync("/api/v1/evaluations/events?state=", cts.Token);
        var items = events.Items;
        // The first snapshot comes at once: the stream is open before the evaluation exists.
        await events.NextSnapshotAsync();
        var all = Federation.NodeNames.Count;
        var late = Federation.NodeNames[^1];

        JsonElement running, completed;
        try
        {
            // With one node down its run waits offline (OfflineGraceSeconds is far longer than the test), so the evaluation is seen running whatever the engine's speed.
            await Federation.StopNodeAsync(late);
            var submitted = await Federation.SubmitAsync("amr-reports", cts.Token);
            running = await NextStateAsync(items, submitted.Id, e => e.GetProperty("state").GetString() == "running" && e.GetProperty("runs_final").GetInt32() == all - 1);
            Federation.StartNode(late);
            completed = await NextStateAsync(items, submitted.Id, e => e.GetProperty("state").GetString() == "completed");
        }
        finally
        {
            Federation.StartNode(late);
        }

        running.GetProperty("runs_succeeded").GetInt32().Should().Be(all - 1);
        completed.GetProperty("runs_final").GetInt32().Should().Be(all);
        completed.GetProperty("runs_succeeded").GetInt32().Should().Be(all);
    }

    [Test]
    public async Task GetNodesEvents_ViewerToken_FirstSnapshotListsEveryNode()
    {
        using var cts = TestTimeout();
        await using var events = await EventsAsync("/api/v1/nodes/events", cts.Token);

        using var snapshot = JsonDocument.Parse(await events.NextSnapshotAsync());
        snapshot.RootElement.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()).Should().BeEquivalentTo(Federation.NodeNames);
    }

    [Test]
    public async Task GetEvaluationsEvents_BadState_400()
    {
        using var response = await SendAsync("/api/v1/evaluations/events?state=sideways", Federation.ViewerToken);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await ErrorAsync(response)).GetProperty("code").GetString().Should().Be("invalid_argument");
    }

    /// <summary>Reads snapshots of the evaluation list until <paramref name="id"/> is listed as <paramref name="wanted"/> accepts.</summary>
    private static async Task<JsonElement> NextStateAsync(IAsyncEnumerator<SseItem<string>> items, string id, Func<JsonElement, bool> wanted)
    {
        while (await items.MoveNextAsync())
        {
            using var snapshot = JsonDocument.Parse(items.Current.Data);
            var listed = snapshot.RootElement.GetProperty("evaluations").EnumerateArray().FirstOrDefault(e => e.GetProperty("id").GetString() == id);
            if (listed.ValueKind == JsonValueKind.Object && wanted(listed))
            {
                return listed.Clone();
            }
        }

        throw new AssertionException($"The stream ended before {id} reached the state wanted.");
    }

    [Test]
    public async Task GetEvaluation_AnotherEvaluatorsEvaluation_404AndNotListedAsForTheEvaluatorPlane()
    {
        using var cts = TestTimeout();
        var submitted = await Federation.SubmitAsync("amr-reports", cts.Token);
        var other = await Federation.Federation.CreateApiTokenAsync($"other-{Guid.NewGuid():N}"[..12], "evaluator", cts.Token);

        using var single = await SendAsync($"/api/v1/evaluations/{submitted.Id}", other);
        using var events = await SendAsync($"/api/v1/evaluations/{submitted.Id}/events", other);
        using var list = await SendAsync("/api/v1/evaluations", other);
        using var viewer = await SendAsync($"/api/v1/evaluations/{submitted.Id}", Federation.ViewerToken);

        single.StatusCode.Should().Be(HttpStatusCode.NotFound);
        events.StatusCode.Should().Be(HttpStatusCode.NotFound);
        using var listed = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
        listed.RootElement.GetProperty("evaluations").GetArrayLength().Should().Be(0);
        viewer.StatusCode.Should().Be(HttpStatusCode.OK, "a viewer reads every evaluation");
        await Federation.WaitUntilFinalAsync(submitted.Id, cts.Token);
    }

    [Test]
    public async Task GetEvents_UnknownId_404()
    {
        using var response = await SendAsync("/api/v1/evaluations/ev_nope/events", Federation.ViewerToken);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string token, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _client.SendAsync(request, completion, cancellationToken);
    }

    /// <summary>Opens an event stream as the viewer: the response (disposing it closes the stream) and its events as they come.</summary>
    private async Task<EventStream> EventsAsync(string path, CancellationToken cancellationToken)
    {
        var response = await SendAsync(path, Federation.ViewerToken, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return new EventStream(response, SseParser.Create(stream).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken));
    }

    private sealed record EventStream(HttpResponseMessage Response, IAsyncEnumerator<SseItem<string>> Items) : IAsyncDisposable
    {
        /// <summary>The next event's data, which must be a snapshot.</summary>
        public async Task<string> NextSnapshotAsync()
        {
            (await Items.MoveNextAsync()).Should().BeTrue("the stream sends a snapshot before it ends");
            Items.Current.EventType.Should().Be("snapshot");
            return Items.Current.Data;
        }

        public async ValueTask DisposeAsync()
        {
            await Items.DisposeAsync();
            Response.Dispose();
        }
    }

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").Clone();
    }
}
