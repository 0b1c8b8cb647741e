using System.CommandLine;

namespace Partages.Benchmarks.Federation;

/// <summary>`federation`: scheduling latency of one coordinator with many simulated nodes.</summary>
internal static class FederationBenchmarkCommand
{
    public static Command Create()
    {
        var command = new Command("federation", "Submit-to-offers and last-result-to-pooled latency with many simulated nodes on one coordinator.");
        command.SetAction(int (_) => throw new NotImplementedException("federation benchmark: being written"));
        return command;
    }
}
