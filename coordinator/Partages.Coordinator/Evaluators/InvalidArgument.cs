using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Partages.Evaluation.Specs;

namespace Partages.Coordinator.Evaluators;

/// <summary>
/// INVALID_ARGUMENT answers of the evaluator API (docs/api.md, "Errors"): the status detail is a human summary, and a
/// <c>google.rpc.BadRequest</c> carries one field violation per problem, so a client can show each on its own line
/// (or next to its field) without parsing the summary. The summary keeps the wording older clients printed.
/// </summary>
public static class InvalidArgument
{
    /// <summary>One problem with one request field.</summary>
    public static RpcException Field(string field, string description, string? summary = null) =>
        Of(summary ?? $"{field} {description}.", [(field, description)]);

    /// <summary>Every problem at once, each as its own field violation.</summary>
    public static RpcException Of(string summary, IEnumerable<(string Field, string Description)> violations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(violations.Select(v => new BadRequest.Types.FieldViolation { Field = v.Field, Description = v.Description }));
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = summary,
            Details = { Any.Pack(badRequest) },
        };
        return status.ToRpcException();
    }

    /// <summary>
    /// A malformed spec: one violation per error. The field is the spec path the error is about ("name", "labels",
    /// "spec" for the document as a whole); the description starts with its position, as the local check prints it.
    /// </summary>
    public static RpcException Spec(SpecParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        return Of(
            $"The spec has {parsed.Errors.Count} error(s):{Environment.NewLine}{parsed.Describe()}",
            parsed.Errors.Select(e => (e.Field, e.Line > 0 ? $"line {e.Line}, column {e.Column}: {e.Message}" : e.Message)));
    }

    /// <summary>Throws INVALID_ARGUMENT when a required id is empty (NOT_FOUND would suggest such an id could exist).</summary>
    public static void ThrowIfEmpty(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Field(field, "must not be empty", $"{field} is required.");
        }
    }
}
