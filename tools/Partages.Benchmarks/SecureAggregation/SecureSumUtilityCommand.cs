using System.CommandLine;

namespace Partages.Benchmarks.SecureAggregation;

/// <summary>`secure-sum-utility`: pooled accuracy error under per-site DP and under secure-sum DP at the same ε (docs/benchmarks.md).</summary>
public static class SecureSumUtilityCommand
{
    public static Command Create()
    {
        var sites = new Option<int>("--sites") { Description = "Sites in the cohort.", DefaultValueFactory = _ => 3 };
        var reports = new Option<int[]>("--reports-per-site") { Description = "Reports per site, one scenario each.", DefaultValueFactory = _ => [200, 2000], AllowMultipleArgumentsPerToken = true };
        var draws = new Option<int>("--draws") { Description = "Independent releases per scenario and mechanism.", DefaultValueFactory = _ => 200 };
        var epsilon = new Option<double>("--epsilon") { Description = "ε per release at δ 1e-6, the same for both mechanisms.", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the synthetic sites and of the noise streams.", DefaultValueFactory = _ => 20261207 };
        var cohort = new Option<int>("--minimum-cohort-size") { Description = "The nodes' minimum cohort size m: each share is calibrated for t = ⌊m/2⌋ + 1.", DefaultValueFactory = _ => 3 };
        var output = new Option<string>("--output") { Description = "Where the JSON figures go.", DefaultValueFactory = _ => Path.Combine("artifacts", "benchmarks", "secure-sum-utility.json") };
        var command = new Command("secure-sum-utility", "Pooled accuracy error under per-site DP and under secure-sum DP (Skellam shares) at the same ε, with the release gate's own mechanisms.")
        {
            sites, reports, draws, epsilon, seed, cohort, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var rows = SecureSumUtility.Run(
                parse.GetValue(sites), parse.GetValue(reports) ?? [200, 2000], parse.GetValue(draws), parse.GetValue(epsilon), parse.GetValue(seed), parse.GetValue(cohort));
            await SecureSumUtility.WriteAsync(rows, Console.Out, Path.GetFullPath(parse.GetValue(output)!), cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
