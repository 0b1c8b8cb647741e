using Partages.NodeAgent.Engine.Isolation;

namespace Partages.NodeAgent.Tests.Isolation;

public sealed class WorkerExitTests
{
    private static readonly WorkerLimits Limits = new(TimeSpan.FromMinutes(60), 4096);

    [TestCase(139, "signal SIGSEGV")]
    [TestCase(134, "signal SIGABRT")]
    [TestCase(135, "signal SIGBUS")]
    [TestCase(159, "signal SIGSYS")]
    [TestCase(170, "signal 42")]
    [TestCase(1, "exit code 1")]
    [TestCase(200, "exit code 200")]
    public void DescribeExit_ExitCode_NamesTheSignalOrTheCode(int exitCode, string expected) =>
        WorkerExit.DescribeExit(exitCode).Should().Be(expected);

    [Test]
    public void ToException_NativeCrash_IsARefusalNamingTheSignal() =>
        WorkerExit.ToException(139, "", Limits).Should().BeOfType<EvaluationRefusedException>()
            .Which.Message.Should().Be("inference worker crashed (signal SIGSEGV)");

    [TestCase(WorkerExitCodes.OutOfMemory, "")]
    [TestCase(137, "")]
    [TestCase(134, "Fatal error. System.OutOfMemoryException: Insufficient memory")]
    [TestCase(1, "GC heap initialization failed with error 0x8007000E")]
    [TestCase(134, "terminate called after throwing an instance of 'std::bad_alloc'")]
    [TestCase(134, "Unhandled exception. System.ComponentModel.Win32Exception (12): Cannot allocate memory")]
    public void ToException_EndOfAWorkerOutOfMemory_IsTheMemoryReason(int exitCode, string stderr) =>
        WorkerExit.ToException(exitCode, stderr, Limits).Should().BeOfType<EvaluationRefusedException>()
            .Which.Message.Should().Be("inference worker ran out of memory (limit 4096 MB)");

    [TestCase(WorkerCommand.LimitsNotApplied)]
    [TestCase(127)]
    [TestCase(WorkerExitCodes.BadRequest)]
    public void ToException_ProblemOfTheNodeNotTheModel_IsAnInternalError(int exitCode) =>
        WorkerExit.ToException(exitCode, "", Limits).Should().BeOfType<InvalidOperationException>();

    [TestCase(60, "60 minutes")]
    [TestCase(1, "1 minute")]
    public void DescribeTimeout_WholeMinutes_InMinutes(int minutes, string expected) =>
        new WorkerLimits(TimeSpan.FromMinutes(minutes), 256).DescribeTimeout().Should().Be(expected);

    [TestCase(3, "3 seconds")]
    [TestCase(90, "90 seconds")]
    public void DescribeTimeout_NotWholeMinutes_InSeconds(int seconds, string expected) =>
        new WorkerLimits(TimeSpan.FromSeconds(seconds), 256).DescribeTimeout().Should().Be(expected);

    [Test]
    public void Constructor_MemoryLimitBelowWhatTheRuntimeNeeds_Throws()
    {
        var create = () => new WorkerLimits(TimeSpan.FromMinutes(1), WorkerLimits.MinMemoryLimitMb - 1);

        create.Should().Throw<ArgumentOutOfRangeException>();
    }
}
