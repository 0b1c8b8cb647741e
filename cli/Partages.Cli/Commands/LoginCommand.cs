using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Partages.Cli.Profiles;

namespace Partages.Cli.Commands;

/// <summary>
/// <c>login --coordinator URL --token TOKEN (--ca-file ca.crt | --ca-sha256 PIN)</c>: finds the CA to trust, checks the
/// token with a real call, then saves the profile (0600).
/// </summary>
internal static class LoginCommand
{
    private static readonly TimeSpan DiscoveryTimeout = TimeSpan.FromSeconds(15);

    public static Command Create(CliContext context)
    {
        var coordinator = new Option<string>("--coordinator") { Description = "The coordinator's URL, e.g. https://partages.example.org:7443.", Required = true };
        var token = new Option<string>("--token") { Description = "Your API token (from the coordinator's operator: 'admin api-token').", Required = true };
        var caFile = new Option<FileInfo?>("--ca-file") { Description = "The coordinator's CA certificate (PEM or DER): the only certificate trusted." };
        var caPin = new Option<string?>("--ca-sha256") { Description = "SHA-256 of the coordinator's CA certificate: the CA is fetched from /.well-known/partages/ca.crt and accepted only if it matches." };
        var command = new Command("login", "Checks the coordinator and the token, then saves them (and the CA) in ~/.config/partages/profile.json.")
        {
            coordinator, token, caFile, caPin,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context, c => RunAsync(
            context, parse.GetRequiredValue(coordinator), parse.GetRequiredValue(token), parse.GetValue(caFile), parse.GetValue(caPin), c), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string url, string token, FileInfo? caFile, string? pinText, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var coordinator) || coordinator.Scheme != Uri.UriSchemeHttps)
        {
            throw new CliException(ExitCodes.BadInput, $"--coordinator must be an https:// URL, not '{url}'.");
        }

        token = token.Trim();
        if (token.Length == 0)
        {
            throw new CliException(ExitCodes.BadInput, "--token is empty.");
        }

        if ((caFile is null) == (pinText is null))
        {
            throw new CliException(ExitCodes.BadInput, "Give exactly one of --ca-file (the CA certificate) or --ca-sha256 (its pin): the coordinator is trusted through its own CA only.");
        }

        var proxy = CoordinatorTrust.Proxy(context.EnvironmentVariable);
        using var ca = caFile is not null ? LoadCaFile(caFile) : await FetchWithPinAsync(coordinator, pinText!, proxy, cancellationToken).ConfigureAwait(false);
        var profile = new Profile
        {
            Coordinator = coordinator.ToString().TrimEnd('/'),
            Token = token,
            CaPem = ca.ExportCertificatePem(),
            CaSha256 = CoordinatorTrust.Pin(ca),
            SavedAt = DateTimeOffset.UtcNow,
        };

        // A real call checks TLS (this CA only) and the token before anything is saved.
        using var session = Session.Open(profile, proxy);
        var nodes = await session.Client.ListNodesAsync(cancellationToken).ConfigureAwait(false);
        var store = new ProfileStore(context.ConfigDirectory);
        await store.SaveAsync(profile, cancellationToken).ConfigureAwait(false);
        await context.Output.WriteLineAsync($"Logged in to {profile.Coordinator} (CA sha256 {profile.CaSha256}); {nodes.Count} node(s) enrolled, {nodes.Count(n => n.Online)} online.").ConfigureAwait(false);
        await context.Output.WriteLineAsync($"Profile saved in {store.Path} (readable by you only).").ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static X509Certificate2 LoadCaFile(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new CliException(ExitCodes.BadInput, $"--ca-file: {file.FullName} does not exist.");
        }

        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(file.FullName);
        }
        catch (CryptographicException)
        {
            try
            {
                return X509Certificate2.CreateFromPem(File.ReadAllText(file.FullName));
            }
            catch (CryptographicException)
            {
                throw new CliException(ExitCodes.BadInput, $"--ca-file: {file.FullName} is not a certificate (PEM or DER).");
            }
        }
    }

    private static async Task<X509Certificate2> FetchWithPinAsync(Uri coordinator, string pinText, Partages.Trust.Network.ProxySettings? proxy, CancellationToken cancellationToken)
    {
        var pin = CoordinatorTrust.NormalizePin(pinText)
            ?? throw new CliException(ExitCodes.BadInput, "--ca-sha256 must be 64 hexadecimal characters (the CA pin printed by the coordinator's admin commands).");
        return await CoordinatorTrust.FetchPinnedCaAsync(coordinator, pin, DiscoveryTimeout, cancellationToken, proxy).ConfigureAwait(false);
    }
}
