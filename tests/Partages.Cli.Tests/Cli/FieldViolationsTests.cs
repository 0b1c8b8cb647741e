using Google.Rpc;

namespace Partages.Cli.Tests.Cli;

public sealed class FieldViolationsTests
{
    [Test]
    public void Describe_InvalidArgumentWithFieldViolations_SummaryThenEachViolationOnItsOwnLineExit2()
    {
        var badRequest = new BadRequest
        {
            FieldViolations =
            {
                new BadRequest.Types.FieldViolation { Field = "name", Description = "line 2, column 7: must be a lowercase slug" },
                new BadRequest.Types.FieldViolation { Field = "labels", Description = "line 5, column 9: needs at least 2 labels" },
            },
        };
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = "The spec has 2 error(s):\nline 2, column 7: name: must be a lowercase slug\nline 5, column 9: labels: needs at least 2 labels",
            Details = { Any.Pack(badRequest) },
        };

        var (exitCode, message) = CommandRunner.Describe(status.ToRpcException());

        exitCode.Should().Be(ExitCodes.BadInput);
        message.Split(Environment.NewLine).Should().Equal(
            "The spec has 2 error(s):",
            "  name: line 2, column 7: must be a lowercase slug",
            "  labels: line 5, column 9: needs at least 2 labels");
    }

    [Test]
    public void Describe_InvalidArgumentWithoutDetails_PlainDetailAsBefore()
    {
        var (exitCode, message) = CommandRunner.Describe(new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, "min_sites is 3 but only 2 node(s) are targeted.")));

        exitCode.Should().Be(ExitCodes.BadInput);
        message.Should().Be("min_sites is 3 but only 2 node(s) are targeted.");
    }

    [Test]
    public void Describe_UnreadableDetailsTrailer_PlainDetail()
    {
        var trailers = new Metadata { { MetadataExtensions.StatusDetailsTrailerName, new byte[] { 0xff, 0x01, 0x02 } } };

        var (exitCode, message) = CommandRunner.Describe(new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, "bad request"), trailers));

        exitCode.Should().Be(ExitCodes.BadInput);
        message.Should().Be("bad request");
    }
}
