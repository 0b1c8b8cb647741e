using System.Diagnostics;
using System.Security.Cryptography;
using Grpc.Net.Client;
using Partages.NodeAgent.Engine.Datasets;
using Partages.SecureAggregation.Crypto;
using Partages.SecureAggregation.Protocol;

namespace Partages.EndToEnd.Tests.Infrastructure;

/// <summary>
/// What the secure aggregation tests need around real agents: aggregation keys written where an agent loads them,
/// a site's release computed by the agent's own local mode (what its gate would let out with differential privacy
/// off), and a node's part of a sum driven round by round with that node's own certificate and key, so a test can
/// stop it after masking (a crash at a known point) or replay its shares.
/// </summary>
internal sealed class SecureSumParticipant(GrpcChannel channel, string nodeName, AggregationIdentity key, AggregationPolicy policy)
{
    private readonly SecureAggregationService.SecureAggregationServiceClient _client = new(channel);
    private AggregationClient? _state;

    /// <summary>The last share request sent (to replay it).</summary>
    public ShareKeysRequest? SentShares { get; private set; }

    /// <summary>Writes a fresh aggregation key where the agent of <paramref name="nodeDirectory"/> loads it; returns it.</summary>
    public static AggregationIdentity CreateKey(string nodeDirectory)
    {
        var path = Path.Combine(nodeDirectory, "node-data", "aggregation", "aggregation-key.pem");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = AggregationIdentity.Create();
        File.WriteAllText(path, PemEncoding.WriteString("PRIVATE KEY", key.ExportPkcs8()) + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return key;
    }

    /// <summary>The result the agent's local mode prints for <paramref name="datasetPath"/>: with DP off, the counts its gate releases.</summary>
    public static async Task<ResultDocument> LocalReleaseAsync(string specPath, string datasetPath, CancellationToken cancellationToken)
    {
        using var process = Process.Start(new ProcessStartInfo("dotnet", [Executables.NodeAgent, "evaluate", "--model", TestAssets.Assets.BundlePath, "--spec", specPath, "--dataset", datasetPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            process.ExitCode.Should().Be(0, await stderr);
            var released = ResultJson.DeserializeSite(await stdout);
            return Partages.Evaluation.Tasks.TaskRegistry.Get(released.Task).ReleaseExact(released);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>A spec over <paramref name="nodes"/> asking for a secure sum.</summary>
    public static string PooledOnlySpec(IReadOnlyList<string> nodes, int minSites) =>
        TestAssets.Spec(nodes: nodes, minSites: minSites) + "\npooled_only: true\n";

    /// <summary>The protocol policy of <paramref name="self"/>: a minimum cohort of 3, its peers pinned by their keys.</summary>
    public static AggregationPolicy Policy(string self, IReadOnlyList<string> peers, IReadOnlyDictionary<string, AggregationIdentity> keys) =>
        new(3, peers.Where(p => p != self).ToDictionary(p => p, p => keys[p].Pin, StringComparer.Ordinal));

    /// <summary>The agent settings whose policy lists <paramref name="peers"/> as secure_aggregation peers.</summary>
    public static NodeSettings Settings(string self, IReadOnlyList<string> peers, IReadOnlyDictionary<string, AggregationIdentity> keys)
    {
        var yaml = new System.Text.StringBuilder("secure_aggregation:\n  minimum_cohort_size: 3\n  peers:\n");
        foreach (var (peer, pin) in Policy(self, peers, keys).PeerPins)
        {
            yaml.Append($"    - name: {peer}\n      pin: {pin}\n");
        }

        return new NodeSettings { PolicyAppendix = yaml.ToString() };
    }

    public static SecureSumVector Vector(ResultDocument released) =>
        SecureSumLayout.Flatten(released, released.ConfusionMatrix.Labels, SkipKinds.All);

    /// <summary>Join, advertise, share, and send the masked vector; then stop, as a node that crashed right after masking.</summary>
    public async Task MaskAndStopAsync(string runId, SecureSumVector vector, CancellationToken cancellationToken)
    {
        var delivery = await ShareAsync(runId, vector, replay: null, cancellationToken);
        var masked = _state!.MaskInput(delivery.ToRecord(), vector.Counts);
        var request = new MaskedInputRequest { RunId = runId, RingBits = masked.RingBits };
        request.Vector.AddRange(masked.Vector);
        await _client.SubmitMaskedInputAsync(request, cancellationToken: cancellationToken);
    }

    /// <summary>Join, advertise, then send <paramref name="replay"/>'s shares (another sum's) as this sum's.</summary>
    public async Task ReplaySharesAsync(string runId, SecureSumVector vector, ShareKeysRequest replay, CancellationToken cancellationToken) =>
        await ShareAsync(runId, vector, replay, cancellationToken);

    private async Task<ShareDeliveryMessage> ShareAsync(string runId, SecureSumVector vector, ShareKeysRequest? replay, CancellationToken cancellationToken)
    {
        var parameters = await _client.JoinAsync(new JoinSecureSumRequest { RunId = runId, VectorLength = vector.Counts.Length, LayoutJson = vector.LayoutJson }, cancellationToken: cancellationToken);
        _state = new AggregationClient(nodeName, parameters.ToParameters(), key, policy);
        var roster = await _client.AdvertiseKeysAsync(new AdvertiseKeysRequest { RunId = runId, Advertisement = _state.AdvertiseKeys().ToMessage() }, cancellationToken: cancellationToken);
        var bundle = _state.ShareKeys(roster.ToRecord());
        var request = new ShareKeysRequest { RunId = runId };
        request.Shares.AddRange(replay is null ? bundle.Shares.Select(s => s.ToMessage()) : replay.Shares);
        SentShares = request;
        return await _client.ShareKeysAsync(request, cancellationToken: cancellationToken);
    }
}
