namespace Partages.Trust.Network;

/// <summary>
/// The coordinator's clock as its HTTP <c>Date</c> header shows it (every response carries one, gRPC included),
/// compared with this machine's. A node whose clock is hours off sees certificates as not yet or no longer valid
/// and writes misleading audit times; saying so at start and in <c>check</c> saves a day of guessing.
/// The header has one-second resolution and the comparison includes the round trip: fine for a tolerance of minutes.
/// </summary>
public sealed class ServerClock(TimeProvider timeProvider)
{
    /// <summary>Beyond this difference the clocks are reported as apart (Kerberos's default tolerance).</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    private long _offsetTicks = long.MinValue;

    /// <summary>Raised with each offset read (server minus local); tests and the session wait on it.</summary>
    public event Action<TimeSpan>? Observed;

    /// <summary>The coordinator's clock minus this machine's, from the last response; null before any.</summary>
    public TimeSpan? Offset
    {
        get
        {
            var ticks = Interlocked.Read(ref _offsetTicks);
            return ticks == long.MinValue ? null : TimeSpan.FromTicks(ticks);
        }
    }

    /// <summary>A handler in front of <paramref name="inner"/> that reads the Date header of every response.</summary>
    public DelegatingHandler Watch(HttpMessageHandler inner) => new DateReader(this, inner);

    internal void Record(DateTimeOffset serverDate)
    {
        var offset = serverDate - timeProvider.GetUtcNow();
        Interlocked.Exchange(ref _offsetTicks, offset.Ticks);
        Observed?.Invoke(offset);
    }

    /// <summary>Null when the clocks agree within <paramref name="tolerance"/>; else what is wrong and what to do, for a person.</summary>
    public static string? Describe(TimeSpan offset, TimeSpan tolerance, string coordinator)
    {
        if (offset.Duration() <= tolerance)
        {
            return null;
        }

        var direction = offset > TimeSpan.Zero ? "behind" : "ahead of";
        return $"this machine's clock is {Span(offset.Duration())} {direction} the coordinator's ({coordinator}; tolerance {Span(tolerance)}). " +
            "Certificates look not yet valid or expired, and audit and result times are wrong: synchronise the clock (NTP, e.g. 'timedatectl set-ntp true')";
    }

    private static string Span(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{span.TotalHours:0.#} h" : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} min" : $"{span.TotalSeconds:0} s";

    private sealed class DateReader(ServerClock clock, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.Headers.Date is { } date)
            {
                clock.Record(date);
            }

            return response;
        }
    }
}
