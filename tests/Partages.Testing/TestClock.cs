namespace Partages.Testing;

/// <summary>
/// Where a test's <c>FakeTimeProvider</c> starts when the instant itself does not matter: fixed, so that times in
/// assertions and status files can be written as literals, and far from the epoch FakeTimeProvider defaults to.
/// </summary>
public static class TestClock
{
    public static DateTimeOffset DefaultStart { get; } = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);
}
