using System.CommandLine;
using Partages.Benchmarks.Engine;
using Partages.Benchmarks.Federation;
using Partages.Benchmarks.Generation;
using Partages.Benchmarks.Privacy;

var root = new RootCommand("Partages benchmarks: the commands behind docs/benchmarks.md. Run them in Release on a quiet machine.")
{
    EngineBenchmarkCommand.Create(),
    FederationBenchmarkCommand.Create(),
    PrivacyBenchmarkCommand.Create(),
    GenerationBenchmark.Create(),
    Partages.Benchmarks.SecureAggregation.SecureSumUtilityCommand.Create(),
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
