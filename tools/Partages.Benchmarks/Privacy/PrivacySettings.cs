using Partages.Evaluation;
using Partages.NodeAgent.Policy;

namespace Partages.Benchmarks.Privacy;

/// <summary>Which datasets the <c>privacy</c> command measures.</summary>
internal enum PrivacyDatasets
{
    Both,
    Demo,
    Generated,
}

/// <summary>The <c>privacy</c> command's options, checked once; every problem is listed.</summary>
internal sealed record PrivacySettings : IBenchmarkSettings
{
    /// <summary>Independent releases of each site's exact result (each draws fresh noise from the CSPRNG).</summary>
    public int Releases { get; init; } = 100;

    public PrivacyDatasets Datasets { get; init; } = PrivacyDatasets.Both;

    /// <summary>Sites of the generated dataset: the first ones of the demo's three hospital profiles.</summary>
    public int Sites { get; init; } = 3;

    public int ReportsPerSite { get; init; } = 2000;

    /// <summary>Seed of the generated dataset (the demo's assets keep their own, 20260101).</summary>
    public ulong Seed { get; init; } = 20260122;

    /// <summary>ε per release at the policy's δ; the policy's default unless asked otherwise.</summary>
    public double Epsilon { get; init; } = DifferentialPrivacyPolicy.DefaultEpsilonPerRelease;

    public int Threads { get; init; } = 2;

    /// <summary>Where the demo's fictional data and model are (built there when missing, as the demo does).</summary>
    public required string AssetsDirectory { get; init; }

    /// <summary>Where the generated corpora and privacy-benchmark.json go.</summary>
    public required string WorkDirectory { get; init; }

    /// <summary>The policy every release is held to: the default, with <see cref="Epsilon"/> if it differs.</summary>
    public DifferentialPrivacyPolicy Policy =>
        Epsilon == DifferentialPrivacyPolicy.Default.EpsilonPerRelease
            ? DifferentialPrivacyPolicy.Default
            : DifferentialPrivacyPolicy.Default with { EpsilonPerRelease = Epsilon };

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        OptionRange.Check(errors, "--releases", Releases, 1, 100_000);
        OptionRange.Check(errors, "--sites", Sites, 1, SyntheticHospitals.All.Count, "(the demo's hospital profiles)");
        OptionRange.Check(errors, "--reports-per-site", ReportsPerSite, 10, 1_000_000);

        if (!double.IsFinite(Epsilon) || Epsilon is <= 0 or > 100)
        {
            errors.Add($"--epsilon: {Epsilon} is outside (0, 100]");
        }

        OptionRange.Check(errors, "--threads", Threads, 1, 64);

        return errors;
    }
}
