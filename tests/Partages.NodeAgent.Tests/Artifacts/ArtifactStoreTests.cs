using System.Runtime.CompilerServices;
using Partages.NodeAgent.Artifacts;

namespace Partages.NodeAgent.Tests.Artifacts;

public sealed class ArtifactStoreTests : TestDirectoryPerTest
{
    private const int ChunkSize = 1000;

    private byte[] _bytes = null!;
    private ArtifactRef _artifact = null!;

    [SetUp]
    public void CreateArtifact()
    {
        _bytes = Offers.Bundle(10_500);
        _artifact = new ArtifactRef { Sha256 = ContentHash.Of(_bytes), SizeBytes = _bytes.Length, MediaType = "application/zip" };
    }

    [Test]
    public async Task GetAsync_StreamCutMidway_ResumesFromThePartialFilesLength()
    {
        var source = new FakeArtifactSource(_bytes) { CutAfterChunks = { [0] = 4 } };
        var store = CreateStore(source);

        var path = await store.GetAsync(_artifact, null, CancellationToken.None);

        File.ReadAllBytes(path).Should().Equal(_bytes);
        source.RequestedOffsets.Should().Equal(0, 4 * ChunkSize);
        File.Exists(store.PartialPathFor(_artifact.Sha256)).Should().BeFalse();
    }

    [Test]
    public async Task GetAsync_PartialFileLeftByAnEarlierRun_ResumesWhereItsJournalEnds()
    {
        await LeavePartialFileAsync(chunks: 3);

        await ShouldFetchTheRestAsync((3 * ChunkSize, 0L));
    }

    [Test]
    public async Task GetAsync_PartialFileWithoutJournal_DropsTheUncheckedBytesAndStartsOver()
    {
        var store = CreateStore(new FakeArtifactSource(_bytes));
        Directory.CreateDirectory(store.Directory);
        File.WriteAllBytes(store.PartialPathFor(_artifact.Sha256), _bytes[..3_300]);

        await ShouldFetchTheRestAsync((0L, 0L));
    }

    [Test]
    public async Task GetAsync_PartialFileLongerThanItsJournal_DropsTheUncheckedTailAndResumesAtTheJournalsEnd()
    {
        var store = await LeavePartialFileAsync(chunks: 4);
        await using (var partial = new FileStream(store.PartialPathFor(_artifact.Sha256), FileMode.Append))
        {
            // A chunk written but not journaled when the agent died: half of it, and wrong.
            await partial.WriteAsync(new byte[ChunkSize / 2]);
        }

        await ShouldFetchTheRestAsync((4 * ChunkSize, 0L));
    }

    [Test]
    public async Task GetAsync_ByteFlippedInThePartialFileOnDisk_FetchesThatChunkAloneAgainThenTheRest()
    {
        var store = await LeavePartialFileAsync(chunks: 4);
        FileDamage.FlipBits(store.PartialPathFor(_artifact.Sha256), (1 * ChunkSize) + 17, 0x40);

        await ShouldFetchTheRestAsync((1 * ChunkSize, ChunkSize), (4 * ChunkSize, 0L));
    }

    [Test]
    public async Task GetAsync_CachedCopyWithAByteFlippedOnDisk_DetectedBeforeUseAndOnlyTheDamagedChunkFetchedAgain()
    {
        var path = await CreateStore(new FakeArtifactSource(_bytes)).GetAsync(_artifact, null, CancellationToken.None);
        FileDamage.FlipBits(path, (7 * ChunkSize) + 999, 0x40);
        var source = new FakeArtifactSource(_bytes);

        var again = await CreateStore(source).GetAsync(_artifact, null, CancellationToken.None);

        again.Should().Be(path);
        File.ReadAllBytes(path).Should().Equal(_bytes);
        source.Requests.Should().Equal((7 * ChunkSize, ChunkSize));
    }

    [Test]
    public async Task GetAsync_JournalVouchesForBytesThatAreWrong_FetchesEverythingOnceMore()
    {
        var store = CreateStore(new FakeArtifactSource(_bytes));
        var path = await store.GetAsync(_artifact, null, CancellationToken.None);
        // Wrong bytes with a journal that matches them: no chunk check can find the damage, only the whole hash.
        var wrong = _bytes.ToArray();
        wrong[5_432] ^= 0x01;
        File.WriteAllBytes(path, wrong);
        ChunkJournal.Write(store.JournalPathFor(_artifact.Sha256), Enumerable.Range(0, 11).Select(i =>
        {
            var data = wrong.AsSpan(i * ChunkSize, Math.Min(ChunkSize, wrong.Length - (i * ChunkSize)));
            return new JournalEntry(i * ChunkSize, data.Length, ContentHash.Of(data));
        }));
        var source = new FakeArtifactSource(_bytes);

        await CreateStore(source).GetAsync(_artifact, null, CancellationToken.None);

        File.ReadAllBytes(path).Should().Equal(_bytes);
        source.Requests.Should().Equal((0L, 0L));
    }

    [Test]
    public void ChunkJournal_LineCutShortOrNotContiguous_ReadStopsThere()
    {
        var path = Scratch.Combine("journal.chunks");
        var sha = ContentHash.Of([1]);
        File.WriteAllText(path, $"0 10 {sha}\n10 10 {sha}\n30 10 {sha}\n40 10 {sha}\n");
        ChunkJournal.Read(path).Select(e => e.Offset).Should().Equal(0, 10);
        File.WriteAllText(path, $"0 10 {sha}\n10 10 {sha[..20]}");
        ChunkJournal.Read(path).Select(e => e.Offset).Should().Equal(0);
    }

    [Test]
    public async Task GetAsync_CorruptChunk_FetchesThatChunkAgain()
    {
        var source = new FakeArtifactSource(_bytes) { CorruptOnce = { 5 * ChunkSize } };
        var store = CreateStore(source);
        var reported = new List<DownloadProgress>();

        var path = await store.GetAsync(_artifact, new SyncProgress<DownloadProgress>(reported.Add), CancellationToken.None);

        File.ReadAllBytes(path).Should().Equal(_bytes);
        source.RequestedOffsets.Should().Equal(0, 5 * ChunkSize);
        reported.Select(p => p.BytesDone).Should().BeInAscendingOrder().And.EndWith(_bytes.Length);
    }

    [Test]
    public async Task GetAsync_CorruptChunksBeyondTheLimit_FailsWithReason()
    {
        var source = new FakeArtifactSource(_bytes) { AlwaysCorruptAt = 2 * ChunkSize };
        var store = CreateStore(source, o => o.DownloadMaxBadChunks = 3);

        var act = () => store.GetAsync(_artifact, null, CancellationToken.None);

        (await act.Should().ThrowAsync<ArtifactException>()).Which.Message.Should().Contain("4 bad chunks");
        source.RequestedOffsets.Should().Equal(0, 2 * ChunkSize, 2 * ChunkSize, 2 * ChunkSize);
    }

    [Test]
    public async Task GetAsync_WholeFileHashDiffers_FetchesEverythingOnceMoreThenFailsAndDiscardsTheDownload()
    {
        var announced = new ArtifactRef { Sha256 = ContentHash.Of([1, 2, 3]), SizeBytes = _bytes.Length };
        var source = new FakeArtifactSource(_bytes, sha256: announced.Sha256);
        var store = CreateStore(source);

        var act = () => store.GetAsync(announced, null, CancellationToken.None);

        (await act.Should().ThrowAsync<ArtifactException>()).Which.Message.Should().Contain("SHA-256").And.Contain(_artifact.Sha256);
        source.Requests.Should().Equal((0L, 0L), (0L, 0L));
        File.Exists(store.PathFor(announced.Sha256)).Should().BeFalse();
        File.Exists(store.PartialPathFor(announced.Sha256)).Should().BeFalse();
        File.Exists(store.JournalPathFor(announced.Sha256)).Should().BeFalse();
    }

    [Test]
    public async Task GetAsync_AlreadyDownloaded_DoesNotDownloadAgain()
    {
        var first = new FakeArtifactSource(_bytes);
        await CreateStore(first).GetAsync(_artifact, null, CancellationToken.None);
        var second = new FakeArtifactSource(_bytes);

        var path = await CreateStore(second).GetAsync(_artifact, null, CancellationToken.None);

        File.ReadAllBytes(path).Should().Equal(_bytes);
        second.RequestedOffsets.Should().BeEmpty();
    }

    [Test]
    public async Task GetAsync_CachedCopyDamaged_DownloadsItAgain()
    {
        var store = CreateStore(new FakeArtifactSource(_bytes));
        var path = await store.GetAsync(_artifact, null, CancellationToken.None);
        File.WriteAllBytes(path, _bytes[..100]);
        var source = new FakeArtifactSource(_bytes);

        await CreateStore(source).GetAsync(_artifact, null, CancellationToken.None);

        File.ReadAllBytes(path).Should().Equal(_bytes);
        source.RequestedOffsets.Should().Equal(0);
    }

    [Test]
    public async Task GetAsync_CoordinatorUnavailableEveryTime_FailsAfterTheConfiguredAttempts()
    {
        var source = new FakeArtifactSource(_bytes) { AlwaysCutAfterChunks = 0 };
        var store = CreateStore(source, o => o.DownloadMaxAttempts = 3);

        var act = () => store.GetAsync(_artifact, null, CancellationToken.None);

        (await act.Should().ThrowAsync<ArtifactException>()).Which.Message.Should().Contain("Unavailable");
        source.RequestedOffsets.Should().HaveCount(3);
    }

    /// <summary>What an agent killed mid-download leaves: the first <paramref name="chunks"/> chunks and their journal.</summary>
    /// <summary>Gets the artifact through a fresh store: whole and checked, after exactly these (offset, length) requests.</summary>
    private async Task ShouldFetchTheRestAsync(params (long Offset, long Length)[] requests)
    {
        var source = new FakeArtifactSource(_bytes);

        var path = await CreateStore(source).GetAsync(_artifact, null, CancellationToken.None);

        File.ReadAllBytes(path).Should().Equal(_bytes);
        source.Requests.Should().Equal(requests);
    }

    private async Task<ArtifactStore> LeavePartialFileAsync(int chunks)
    {
        var store = CreateStore(new FakeArtifactSource(_bytes) { CutAfterChunks = { [0] = chunks } }, o => o.DownloadMaxAttempts = 1);
        var act = () => store.GetAsync(_artifact, null, CancellationToken.None);
        await act.Should().ThrowAsync<ArtifactException>();
        new FileInfo(store.PartialPathFor(_artifact.Sha256)).Length.Should().Be(chunks * ChunkSize);
        return store;
    }

    private ArtifactStore CreateStore(IArtifactSource source, Action<AgentOptions>? tune = null)
    {
        var options = new AgentOptions
        {
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(1),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(5),
            DownloadChunkBytes = ChunkSize,
        };
        tune?.Invoke(options);
        return new ArtifactStore(Scratch.Combine("artifacts"), source, options, TimeProvider.System, NullLogger<ArtifactStore>.Instance);
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>Serves bytes in chunks like the coordinator, with scripted cuts and corruptions.</summary>
    private sealed class FakeArtifactSource(byte[] bytes, string? sha256 = null) : IArtifactSource
    {
        private readonly string _sha256 = sha256 ?? ContentHash.Of(bytes);
        private int _calls;

        /// <summary>Every stream asked for: its offset and length (0 = to the end).</summary>
        public List<(long Offset, long Length)> Requests { get; } = [];

        public IEnumerable<long> RequestedOffsets => Requests.Select(r => r.Offset);

        /// <summary>By call number: cut the stream (UNAVAILABLE) after this many chunks.</summary>
        public Dictionary<int, int> CutAfterChunks { get; } = [];

        public int? AlwaysCutAfterChunks { get; init; }

        /// <summary>Offsets whose chunk is corrupted the first time it is sent.</summary>
        public HashSet<long> CorruptOnce { get; } = [];

        public long? AlwaysCorruptAt { get; init; }

        public async IAsyncEnumerable<ArtifactChunk> ReadAsync(string sha, long offset, long length, int maxChunkBytes, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            sha.Should().Be(_sha256);
            Requests.Add((offset, length));
            var call = _calls++;
            var cutAfter = CutAfterChunks.TryGetValue(call, out var n) ? n : AlwaysCutAfterChunks;
            var sent = 0;
            var end = length == 0 ? bytes.Length : offset + length;
            for (var position = offset; position < end; position += maxChunkBytes)
            {
                if (cutAfter == sent)
                {
                    throw new RpcException(new Status(StatusCode.Unavailable, "connection reset (test)"));
                }

                await Task.Yield();
                var data = bytes.AsSpan((int)position, (int)Math.Min(maxChunkBytes, end - position)).ToArray();
                var hash = ContentHash.Of(data);
                if (CorruptOnce.Remove(position) || AlwaysCorruptAt == position)
                {
                    data[0] ^= 0xFF;
                }

                yield return new ArtifactChunk { Offset = position, Data = ByteString.CopyFrom(data), TotalSize = bytes.Length, ChunkSha256 = hash };
                sent++;
            }
        }
    }
}
