using Partages.ModelKit;

namespace Partages.Cli.Tests;

/// <summary>The fictional data and demo model, built once for the whole test run.</summary>
[SetUpFixture]
public sealed class CliAssets : RunAssetsFixture<DemoAssetSet>
{
    public static string SpecYaml { get; } = EvalSpecs.Read("amr-resistance.yaml");

    protected override Task<DemoAssetSet> BuildAsync(string directory, CancellationToken cancellationToken) =>
        DemoAssets.EnsureBuiltAsync(directory, null, cancellationToken);
}
