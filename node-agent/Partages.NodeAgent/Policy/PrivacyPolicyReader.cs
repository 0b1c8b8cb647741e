using Partages.Evaluation.Privacy;
using YamlDotNet.RepresentationModel;

namespace Partages.NodeAgent.Policy;

/// <summary>
/// Reads one dataset's <c>differential_privacy</c>: absent → the defaults (privacy is on unless said otherwise);
/// the word <c>off</c> → exact counts; a mapping → both <c>epsilon_per_release</c> and <c>epsilon_budget</c>
/// required (a budget without a per-release ε, or the reverse, is refused rather than guessed), <c>delta</c> and
/// <c>max_entities_per_report</c> optional. Anything else — an empty value, <c>false</c>, <c>no</c> — is refused:
/// privacy goes off only by the explicit word.
/// </summary>
internal static class PrivacyPolicyReader
{
    public const double MaxEpsilonPerRelease = 10;
    public const double MaxEpsilonBudget = 100;

    private static readonly string[] Fields = ["epsilon_per_release", "epsilon_budget", "delta", "max_entities_per_report", "max_words_per_report"];

    /// <returns>The policy, or null when the field is absent (the caller takes the defaults) or in error (recorded).</returns>
    public static DifferentialPrivacyPolicy? Read(NodeConfigLoader.MappingReader dataset)
    {
        const string field = "differential_privacy";
        var node = dataset.Node(field);
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode { Value: "off" }:
                return DifferentialPrivacyPolicy.Off;
            case YamlScalarNode scalar:
                dataset.AddErrorAt(scalar, dataset.Prefix + field, $"'{scalar.Value}' is not understood: write the word 'off' to release exact counts (check warns about it), or a mapping with epsilon_per_release and epsilon_budget; leave the field out for the defaults (ε {DifferentialPrivacyPolicy.DefaultEpsilonPerRelease} per release, budget {DifferentialPrivacyPolicy.DefaultEpsilonBudget}, δ {DifferentialPrivacyPolicy.DefaultDelta.ToString(CultureInfo.InvariantCulture)})");
                return null;
        }

        var block = dataset.Mapping(field, required: true);
        if (block is null)
        {
            return null;
        }

        block.RejectUnknown([.. Fields, "epsilon_per_run"]);
        if (block.Node("epsilon_per_run") is { } renamed)
        {
            block.AddErrorAt(renamed, block.Prefix + "epsilon_per_run", "was renamed epsilon_per_release (ε of one release, now accounted in zero-concentrated DP)");
        }

        var perRelease = block.Double("epsilon_per_release", minExclusive: 0, max: MaxEpsilonPerRelease);
        var budget = block.Double("epsilon_budget", minExclusive: 0, max: MaxEpsilonBudget);
        var delta = block.Node("delta") is null ? DifferentialPrivacyPolicy.DefaultDelta : block.Double("delta", minExclusive: 0, max: 1e-3);
        var entities = block.Node("max_entities_per_report") is null
            ? DifferentialPrivacyPolicy.DefaultMaxEntitiesPerReport
            : block.Integer("max_entities_per_report", min: 1, max: 1000);
        var words = block.Node("max_words_per_report") is null
            ? DifferentialPrivacyPolicy.DefaultMaxWordsPerReport
            : block.Integer("max_words_per_report", min: 1, max: 100_000);
        if (perRelease is null || budget is null || delta is null || entities is null || words is null)
        {
            return null;
        }

        if (perRelease > budget)
        {
            block.AddError("epsilon_per_release", string.Create(CultureInfo.InvariantCulture, $"{perRelease} is larger than epsilon_budget ({budget}): not even one release could be made"));
            return null;
        }

        return new DifferentialPrivacyPolicy
        {
            EpsilonPerRelease = perRelease.Value,
            EpsilonBudget = budget.Value,
            Delta = delta.Value,
            MaxEntitiesPerReport = entities.Value,
            MaxWordsPerReport = words.Value,
        };
    }
}
