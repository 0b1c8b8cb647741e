using Grpc.Net.Client;
using Partages.Trust.Network;
using Partages.Cli.Profiles;

namespace Partages.Cli.Cli;

/// <summary>A connection to the coordinator of the saved profile: its CA only, its token on every call.</summary>
internal sealed class Session : IDisposable
{
    private readonly GrpcChannel _channel;

    private Session(Profile profile, GrpcChannel channel)
    {
        Profile = profile;
        _channel = channel;
        Client = new EvaluatorClient(channel);
    }

    public Profile Profile { get; }

    public EvaluatorClient Client { get; }

    public static async Task<Session> OpenAsync(CliContext context, CancellationToken cancellationToken)
    {
        var profile = await new ProfileStore(context.ConfigDirectory).LoadAsync(cancellationToken).ConfigureAwait(false);
        return Open(profile, CoordinatorTrust.Proxy(context.EnvironmentVariable));
    }

    /// <param name="proxy">From HTTPS_PROXY / NO_PROXY (<see cref="CoordinatorTrust.Proxy"/>); null: direct.</param>
    public static Session Open(Profile profile, ProxySettings? proxy)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var ca = profile.LoadCa();
        return new Session(profile, CoordinatorTrust.CreateChannel(profile.CoordinatorUri, ca, profile.Token, proxy));
    }

    public void Dispose() => _channel.Dispose();
}
