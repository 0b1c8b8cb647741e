using System.Security.Cryptography;

namespace Partages.Coordinator.Tests.Artifacts;

public sealed class ArtifactTests : CoordinatorFixture
{
    private EvaluationService.EvaluationServiceClient _evaluator = null!;
    private TestNode _node = null!;
    private int _nodes;

    [OneTimeSetUp]
    public async Task StartEvaluatorAsync()
    {
        _evaluator = Server.EvaluatorClient(await Server.ApiTokenAsync("artifact-evaluator", "evaluator"));
        _node = await Server.EnrollNodeAsync("downloader");
    }

    /// <summary>
    /// Uploads <paramref name="bytes"/> and offers an evaluation of it to a node of its own (nodes download only the
    /// bundles of jobs offered to them); the session stays open with the coordinator's fixture.
    /// </summary>
    private async Task<(ArtifactRef Artifact, TestNode Node)> OfferedAsync(byte[] bytes)
    {
        var artifact = await Evaluations.UploadAsync(_evaluator, bytes);
        var node = await Server.EnrollNodeAsync($"downloader-{Interlocked.Increment(ref _nodes)}");
        var session = await node.ConnectAsync();
        Server.Own(new SessionCloser(session));
        await session.ReadWelcomeAsync();
        await Evaluations.SubmitAsync(_evaluator, artifact.Sha256, Evaluations.Spec(), node.Name);
        (await session.ReadOfferAsync()).ModelBundle.Sha256.Should().Be(artifact.Sha256);
        return (artifact, node);
    }

    private sealed class SessionCloser(NodeSessionClient session) : IDisposable
    {
        public void Dispose() => session.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Test]
    public async Task UploadArtifact_VerifiedBytes_StoredUnderTheirHash()
    {
        var bytes = Evaluations.FakeBundle(300_000, seed: 1);

        var stored = await Evaluations.UploadAsync(_evaluator, bytes);
        var again = await Evaluations.UploadAsync(_evaluator, bytes, chunkBytes: 7_000);

        stored.Sha256.Should().Be(ContentHash.Of(bytes));
        stored.SizeBytes.Should().Be(bytes.Length);
        stored.MediaType.Should().Be("application/zip");
        again.Should().Be(stored, "uploading the same bytes again is idempotent");
        var path = Path.Combine(Server.DataDir, "artifacts", "sha256", stored.Sha256);
        (await File.ReadAllBytesAsync(path)).Should().Equal(bytes);
        Directory.EnumerateFiles(Path.Combine(Server.DataDir, "artifacts", "tmp")).Should().BeEmpty();
    }

    [Test]
    public async Task UploadArtifact_LargerThanKestrelsDefaultBodyLimit_Stored()
    {
        // Model bundles run to ~100 MB; Kestrel's default request body limit (30 MB) must not apply to the stream.
        var bytes = Evaluations.FakeBundle(35 * 1024 * 1024, seed: 9);

        var stored = await Evaluations.UploadAsync(_evaluator, bytes, chunkBytes: 1024 * 1024);

        stored.SizeBytes.Should().Be(bytes.Length);
        stored.Sha256.Should().Be(ContentHash.Of(bytes));
    }

    [Test]
    public async Task UploadArtifact_BytesDoNotMatchHeader_InvalidArgumentAndNothingStored()
    {
        var bytes = Evaluations.FakeBundle(1_000, seed: 2);
        var claimed = new string('a', 64);

        var upload = async () => await Evaluations.UploadAsync(_evaluator, bytes, announcedSha256: claimed);

        (await upload.Should().ThrowAsync<RpcException>()).Which.Status.Should().Match<Status>(s => s.StatusCode == StatusCode.InvalidArgument && s.Detail.Contains(ContentHash.Of(bytes)));
        File.Exists(Path.Combine(Server.DataDir, "artifacts", "sha256", claimed)).Should().BeFalse();
        Directory.EnumerateFiles(Path.Combine(Server.DataDir, "artifacts", "tmp")).Should().BeEmpty();
    }

    [Test]
    public async Task UploadArtifact_Empty_InvalidArgumentAndNothingStored()
    {
        var upload = async () => await Evaluations.UploadAsync(_evaluator, []);

        var exception = (await upload.Should().ThrowAsync<RpcException>()).Which;
        var refused = exception.Status;
        refused.StatusCode.Should().Be(StatusCode.InvalidArgument);
        refused.Detail.Should().Contain("size_bytes is 0");
        Contract.ErrorModelTests.Violations(exception).Should().ContainSingle(v => v.Field == "header.size_bytes");
        AssertNothingStored(ContentHash.Of([]));
    }

    [TestCase("not a zip", TestName = "UploadArtifact_NotAZip_InvalidArgumentAndNothingStored")]
    [TestCase("zip without manifest", TestName = "UploadArtifact_ZipWithoutManifest_InvalidArgumentAndNothingStored")]
    [TestCase("invalid manifest", TestName = "UploadArtifact_ZipWithInvalidManifest_InvalidArgumentAndNothingStored")]
    public async Task UploadArtifact_Malformed_InvalidArgumentAndNothingStored(string kind)
    {
        var bytes = kind switch
        {
            "not a zip" => System.Text.Encoding.UTF8.GetBytes("just some text, not a model bundle"),
            "zip without manifest" => ZipOf(("model.onnx", "graph")),
            _ => ZipOf(("manifest.json", "{\"name\": 3}")),
        };

        var upload = async () => await Evaluations.UploadAsync(_evaluator, bytes);

        var exception = (await upload.Should().ThrowAsync<RpcException>()).Which;
        var refused = exception.Status;
        refused.StatusCode.Should().Be(StatusCode.InvalidArgument);
        refused.Detail.Should().Contain(kind == "zip without manifest" ? "without manifest.json" : "not a model bundle");
        Contract.ErrorModelTests.Violations(exception).Should().ContainSingle(v => v.Field == "data");
        AssertNothingStored(ContentHash.Of(bytes));
    }

    private void AssertNothingStored(string sha256)
    {
        File.Exists(Path.Combine(Server.DataDir, "artifacts", "sha256", sha256)).Should().BeFalse();
        var temp = Path.Combine(Server.DataDir, "artifacts", "tmp");
        (Directory.Exists(temp) ? Directory.EnumerateFiles(temp) : []).Should().BeEmpty();
    }

    private static byte[] ZipOf(params (string Name, string Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write(content);
            }
        }

        return buffer.ToArray();
    }

    [Test]
    public async Task DownloadArtifact_FromOffset_ResumesWithEveryChunkHashed()
    {
        var bytes = Evaluations.FakeBundle(1_000_000, seed: 3);
        var (artifact, node) = await OfferedAsync(bytes);
        const long offset = 123_457;

        var chunks = new List<ArtifactChunk>();
        using (var call = node.Client.DownloadArtifact(new DownloadArtifactRequest { Sha256 = artifact.Sha256, Offset = offset, MaxChunkBytes = 100_000 }, deadline: TestCoordinator.Deadline()))
        {
            await foreach (var chunk in call.ResponseStream.ReadAllAsync())
            {
                chunks.Add(chunk);
            }
        }

        chunks.Should().HaveCount(9);
        chunks.Should().OnlyContain(c => c.Data.Length <= 100_000 && c.TotalSize == bytes.Length);
        chunks.Select(c => c.ChunkSha256).Should().Equal(chunks.Select(c => Convert.ToHexStringLower(SHA256.HashData(c.Data.ToByteArray()))));
        chunks.Select(c => c.Offset).Should().Equal(Enumerable.Range(0, 9).Select(i => offset + (i * 100_000L)));
        var resumed = bytes[..(int)offset].Concat(chunks.SelectMany(c => c.Data.ToByteArray())).ToArray();
        resumed.Should().Equal(bytes);
    }

    [Test]
    public async Task DownloadArtifact_WithLength_SendsThatRangeOnly()
    {
        // What a node repairing one chunk damaged on its disk asks for.
        var bytes = Evaluations.FakeBundle(1_000_000, seed: 10);
        var (artifact, node) = await OfferedAsync(bytes);

        var chunks = new List<ArtifactChunk>();
        using (var call = node.Client.DownloadArtifact(new DownloadArtifactRequest { Sha256 = artifact.Sha256, Offset = 300_000, Length = 250_000, MaxChunkBytes = 100_000 }, deadline: TestCoordinator.Deadline()))
        {
            await foreach (var chunk in call.ResponseStream.ReadAllAsync())
            {
                chunks.Add(chunk);
            }
        }

        chunks.Select(c => (c.Offset, c.Data.Length)).Should().Equal((300_000L, 100_000), (400_000L, 100_000), (500_000L, 50_000));
        chunks.Should().OnlyContain(c => c.TotalSize == bytes.Length);
        chunks.Select(c => c.ChunkSha256).Should().Equal(chunks.Select(c => ContentHash.Of(c.Data.ToByteArray())));
        chunks.SelectMany(c => c.Data.ToByteArray()).Should().Equal(bytes[300_000..550_000]);
    }

    [Test]
    public async Task DownloadArtifact_LengthPastTheEnd_OutOfRange()
    {
        var (artifact, node) = await OfferedAsync(Evaluations.FakeBundle(5_000, seed: 11));
        using var call = node.Client.DownloadArtifact(new DownloadArtifactRequest { Sha256 = artifact.Sha256, Offset = 4_000, Length = 1_001 }, deadline: TestCoordinator.Deadline());

        var read = async () => await call.ResponseStream.MoveNext(CancellationToken.None);

        (await read.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.OutOfRange);
    }

    [Test]
    public async Task DownloadArtifact_NoChunkSizeGiven_DefaultsTo256KiB()
    {
        var (artifact, node) = await OfferedAsync(Evaluations.FakeBundle(600_000, seed: 4));

        using var call = node.Client.DownloadArtifact(new DownloadArtifactRequest { Sha256 = artifact.Sha256 }, deadline: TestCoordinator.Deadline());
        var sizes = new List<int>();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            sizes.Add(chunk.Data.Length);
        }

        sizes.Should().Equal(262_144, 262_144, 600_000 - (2 * 262_144));
    }

    [Test]
    public async Task DownloadArtifact_UnknownHash_PermissionDeniedAsForAnExistingOne()
    {
        using var call = _node.Client.DownloadArtifact(new DownloadArtifactRequest { Sha256 = new string('b', 64) }, deadline: TestCoordinator.Deadline());

        var read = async () => await call.ResponseStream.MoveNext(CancellationToken.None);

        (await read.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(new Status(StatusCode.PermissionDenied, "No job offered to this node uses this artifact."));
    }

    [Test]
    public async Task DownloadArtifact_BundleNotOfferedToThisNode_PermissionDeniedSayingNothingMore()
    {
        // Uploaded, and offered to another node: the bundle exists, but not for this one.
        var (artifact, _) = await OfferedAsync(Evaluations.FakeBundle(5_000, seed: 12));
        using var call = _node.Client.DownloadArtifact(new DownloadArtifactRequest { Sha256 = artifact.Sha256 }, deadline: TestCoordinator.Deadline());

        var read = async () => await call.ResponseStream.MoveNext(CancellationToken.None);

        var refused = (await read.Should().ThrowAsync<RpcException>()).Which.Status;
        refused.StatusCode.Should().Be(StatusCode.PermissionDenied);
        refused.Detail.Should().Be("No job offered to this node uses this artifact.", "the answer is the same whether the bundle exists or not");
    }

    [Test]
    public async Task DownloadArtifact_OffsetBeyondSize_OutOfRange()
    {
        var (artifact, node) = await OfferedAsync(Evaluations.FakeBundle(5_000, seed: 5));
        using var call = node.Client.DownloadArtifact(new DownloadArtifactRequest { Sha256 = artifact.Sha256, Offset = 5_001 }, deadline: TestCoordinator.Deadline());

        var read = async () => await call.ResponseStream.MoveNext(CancellationToken.None);

        (await read.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.OutOfRange);
    }

    [Test]
    public async Task DownloadArtifact_WithoutNodeCertificate_Unauthenticated()
    {
        var artifact = await Evaluations.UploadAsync(_evaluator, Evaluations.FakeBundle(5_000, seed: 6));
        var anonymous = new NodeService.NodeServiceClient(Server.Channel());
        using var call = anonymous.DownloadArtifact(new DownloadArtifactRequest { Sha256 = artifact.Sha256 }, deadline: TestCoordinator.Deadline());

        var read = async () => await call.ResponseStream.MoveNext(CancellationToken.None);

        (await read.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.Unauthenticated);
    }
}
