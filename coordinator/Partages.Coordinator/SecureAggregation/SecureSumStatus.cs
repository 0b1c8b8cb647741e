using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Partages.SecureAggregation;

namespace Partages.Coordinator.SecureAggregation;

/// <summary>
/// A refused secure-sum message as a gRPC status (secure_aggregation.proto): the code by what was wrong, the detail
/// naming the node, the message and the reason, and a <c>google.rpc.ErrorInfo</c> whose reason is the refusal code.
/// </summary>
internal static class SecureSumStatus
{
    public static RpcException Refusal(SecureAggregationException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var code = refusal.Code switch
        {
            RefusalCode.WrongShape or RefusalCode.Malformed or RefusalCode.BadSignature => Code.InvalidArgument,
            RefusalCode.Duplicate => Code.AlreadyExists,
            RefusalCode.OutsideCohort => Code.PermissionDenied,
            _ => Code.FailedPrecondition,
        };
        return Of(code, refusal.Code, refusal.Message);
    }

    public static RpcException Of(Code code, RefusalCode reason, string message)
    {
        var info = new ErrorInfo { Reason = Partages.Contracts.V1.SecureSumWire.CodeName(reason), Domain = Partages.Contracts.V1.SecureSumWire.ErrorDomain };
        return new Google.Rpc.Status { Code = (int)code, Message = message, Details = { Any.Pack(info) } }.ToRpcException();
    }
}
