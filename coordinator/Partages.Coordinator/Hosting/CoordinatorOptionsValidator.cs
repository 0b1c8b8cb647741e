using Microsoft.Extensions.Options;

namespace Partages.Coordinator.Hosting;

/// <summary>Checks every setting and reports all problems at once, so an operator fixes them in one pass.</summary>
public sealed class CoordinatorOptionsValidator : IValidateOptions<CoordinatorOptions>
{
    public ValidateOptionsResult Validate(string? name, CoordinatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Collect(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static IReadOnlyList<string> Collect(CoordinatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        const string s = CoordinatorOptions.SectionName;
        if (string.IsNullOrWhiteSpace(options.DataDir))
        {
            errors.Add($"{s}:DataDir is required (--data-dir DIR).");
        }

        // Kestrel's wildcard hosts ('*', '+': every interface) are not URI host names; check the rest of the URL.
        var checkable = (options.Urls ?? "").Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(checkable, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
        {
            errors.Add($"{s}:Urls '{options.Urls}' must be one https:// URL, e.g. {CoordinatorOptions.DefaultUrls}.");
        }
        else if (url.AbsolutePath != "/")
        {
            errors.Add($"{s}:Urls '{options.Urls}' must not have a path.");
        }

        if (options.LeaseSeconds is < 1 or > 86_400)
        {
            errors.Add($"{s}:LeaseSeconds is {options.LeaseSeconds}; it must be within 1..86400.");
        }

        if (options.HeartbeatIntervalSeconds < 1)
        {
            errors.Add($"{s}:HeartbeatIntervalSeconds is {options.HeartbeatIntervalSeconds}; it must be at least 1.");
        }
        else if (options.HeartbeatIntervalSeconds >= options.LeaseSeconds)
        {
            errors.Add($"{s}:HeartbeatIntervalSeconds ({options.HeartbeatIntervalSeconds}) must be below {s}:LeaseSeconds ({options.LeaseSeconds}), or leases expire between heartbeats.");
        }

        if (options.LeaseCheckIntervalSeconds is < 1 or > 3600)
        {
            errors.Add($"{s}:LeaseCheckIntervalSeconds is {options.LeaseCheckIntervalSeconds}; it must be within 1..3600.");
        }

        if (options.OfflineGraceSeconds is < 0 or > 7 * 24 * 3600)
        {
            errors.Add($"{s}:OfflineGraceSeconds is {options.OfflineGraceSeconds}; it must be within 0..604800 (a week).");
        }

        if (options.MaxRunAttempts is < 1 or > 100)
        {
            errors.Add($"{s}:MaxRunAttempts is {options.MaxRunAttempts}; it must be within 1..100.");
        }

        if (options.MaxArtifactBytes < 1)
        {
            errors.Add($"{s}:MaxArtifactBytes is {options.MaxArtifactBytes}; it must be positive.");
        }

        if (options.NodeCertificateDays is < 1 or > 3650)
        {
            errors.Add($"{s}:NodeCertificateDays is {options.NodeCertificateDays}; it must be within 1..3650.");
        }

        if (options.NodeCertificateMinutes is < 0 or > 525_600)
        {
            errors.Add($"{s}:NodeCertificateMinutes is {options.NodeCertificateMinutes}; it must be within 0..525600 (0: use NodeCertificateDays).");
        }

        if (options.LoginAttemptsPerMinute is < 1 or > 10_000)
        {
            errors.Add($"{s}:LoginAttemptsPerMinute is {options.LoginAttemptsPerMinute}; it must be within 1..10000.");
        }

        if (options.HstsMaxAgeDays is < 0 or > 3650)
        {
            errors.Add($"{s}:HstsMaxAgeDays is {options.HstsMaxAgeDays}; it must be within 0..3650 (0: no HSTS header).");
        }

        if (options.TokenCheckIntervalSeconds is < 1 or > 300)
        {
            errors.Add($"{s}:TokenCheckIntervalSeconds is {options.TokenCheckIntervalSeconds}; it must be within 1..300.");
        }

        errors.AddRange(options.Database.Collect(s));

        foreach (var host in options.ServerHostNames)
        {
            if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
            {
                errors.Add($"{s}:ServerHostNames contains '{host}', which is neither a DNS name nor an IP address.");
            }
        }

        return errors;
    }
}
