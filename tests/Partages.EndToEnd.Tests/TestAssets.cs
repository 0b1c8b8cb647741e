using Partages.ModelKit;

namespace Partages.EndToEnd.Tests;

/// <summary>The fictional data and demo model, built once for the whole test run.</summary>
[SetUpFixture]
public sealed class TestAssets : RunAssetsFixture<DemoAssetSet>
{
    public static string SpecYaml { get; } = EvalSpecs.Read("amr-resistance.yaml");

    /// <summary>The shipped AMR spec, retargeted.</summary>
    public static string Spec(string dataset = "amr-reports", IReadOnlyList<string>? nodes = null, int minSites = 1) =>
        SpecYaml
            .Replace("dataset: amr-reports", $"dataset: {dataset}", StringComparison.Ordinal)
            .Replace("nodes: []", $"nodes: [{string.Join(", ", nodes ?? [])}]", StringComparison.Ordinal)
            .Replace("min_sites: 2", $"min_sites: {minSites}", StringComparison.Ordinal);

    protected override Task<DemoAssetSet> BuildAsync(string directory, CancellationToken cancellationToken) =>
        DemoAssets.EnsureBuiltAsync(directory, null, cancellationToken);
}
