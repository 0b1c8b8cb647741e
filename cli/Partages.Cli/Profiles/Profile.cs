using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Partages.Cli.Profiles;

/// <summary>What <c>login</c> remembers: the coordinator, the API token and the CA certificate trusted for it.</summary>
public sealed record Profile
{
    [JsonPropertyName("coordinator")]
    public required string Coordinator { get; init; }

    [JsonPropertyName("token")]
    public required string Token { get; init; }

    /// <summary>The coordinator's CA certificate, PEM: the only trust root for this profile.</summary>
    [JsonPropertyName("ca_pem")]
    public required string CaPem { get; init; }

    [JsonPropertyName("ca_sha256")]
    public required string CaSha256 { get; init; }

    [JsonPropertyName("saved_at")]
    public DateTimeOffset SavedAt { get; init; }

    public Uri CoordinatorUri => new(Coordinator);

    public X509Certificate2 LoadCa() => X509Certificate2.CreateFromPem(CaPem);
}

/// <summary>
/// <c>profile.json</c> in the config directory, readable by its owner only (0600, directory 0700): it holds a token.
/// Written to a temporary file first and renamed, so a crash never leaves half a profile.
/// </summary>
public sealed class ProfileStore(string directory)
{
    public const string FileName = "profile.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Path { get; } = System.IO.Path.Combine(directory, FileName);

    public async Task SaveAsync(Profile profile, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var temporary = Path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(temporary, options))
        {
            await JsonSerializer.SerializeAsync(stream, profile, Json, cancellationToken).ConfigureAwait(false);
        }

        if (!OperatingSystem.IsWindows())
        {
            // A temporary file left by an earlier crash keeps its old mode on FileMode.Create: set it explicitly.
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    /// <exception cref="CliException">No profile (exit 3: log in first) or an unreadable one.</exception>
    public async Task<Profile> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            throw new CliException(ExitCodes.Auth, $"Not logged in ({Path} does not exist): run 'partages login --coordinator URL --token TOKEN --ca-sha256 PIN' first.");
        }

        try
        {
            await using var stream = File.OpenRead(Path);
            var profile = await JsonSerializer.DeserializeAsync<Profile>(stream, Json, cancellationToken).ConfigureAwait(false);
            if (profile is null || !Uri.TryCreate(profile.Coordinator, UriKind.Absolute, out _))
            {
                throw new CliException(ExitCodes.Auth, $"{Path} is not a valid profile: run 'partages login' again.");
            }

            return profile;
        }
        catch (JsonException)
        {
            throw new CliException(ExitCodes.Auth, $"{Path} is not a valid profile: run 'partages login' again.");
        }
        catch (CryptographicException)
        {
            throw new CliException(ExitCodes.Auth, $"{Path} holds an unreadable CA certificate: run 'partages login' again.");
        }
    }
}
