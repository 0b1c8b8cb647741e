namespace Partages.Benchmarks.Federation;

/// <summary>The run is broken (an offer never came, a hash did not match, a count is wrong): no figure is reported.</summary>
internal sealed class BenchmarkFailedException : Exception
{
    public BenchmarkFailedException()
    {
    }

    public BenchmarkFailedException(string message)
        : base(message)
    {
    }

    public BenchmarkFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
