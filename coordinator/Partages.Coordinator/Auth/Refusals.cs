using System.Globalization;
using System.Text;
using Grpc.Core;
using Partages.Coordinator.Api;

namespace Partages.Coordinator.Auth;

/// <summary>
/// How an endpoint answers a caller its policy turned away, as endpoint metadata: gRPC services answer with a gRPC
/// status (<see cref="GrpcRefusalAttribute"/>), the JSON API with a JSON error (<see cref="JsonRefusal"/>), the
/// dashboard with its login page. <see cref="RefusalResultHandler"/> finds it and gives it the reason.
/// </summary>
public abstract class Refusal : Attribute
{
    /// <summary>No valid credentials: <paramref name="problem"/> is why, or null when none were presented.</summary>
    public abstract Task UnauthenticatedAsync(HttpContext context, string? problem);

    /// <summary>Valid credentials that may not do this.</summary>
    public abstract Task ForbiddenAsync(HttpContext context, string problem);
}

/// <summary>
/// A gRPC service's refusal: UNAUTHENTICATED or PERMISSION_DENIED with the reason as the status detail, sent as a
/// trailers-only response (what grpc-dotnet itself sends for a call that fails before any message).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class GrpcRefusalAttribute(string missingCredentials) : Refusal
{
    /// <summary>What a caller that presented nothing is told it needs.</summary>
    public string MissingCredentials { get; } = missingCredentials;

    public override Task UnauthenticatedAsync(HttpContext context, string? problem) => WriteAsync(context, StatusCode.Unauthenticated, problem ?? MissingCredentials);

    public override Task ForbiddenAsync(HttpContext context, string problem) => WriteAsync(context, StatusCode.PermissionDenied, problem);

    private static Task WriteAsync(HttpContext context, StatusCode code, string detail)
    {
        WriteTrailersOnly(context, code, detail);
        return Task.CompletedTask;
    }

    /// <summary>A gRPC call answered before any method ran: status and detail in the response headers.</summary>
    internal static void WriteTrailersOnly(HttpContext context, StatusCode code, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(detail);
    }

    /// <summary>The gRPC spec's encoding of grpc-message: printable ASCII except '%' as is, every other UTF-8 byte as %XX.</summary>
    internal static string PercentEncode(string text)
    {
        var encoded = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }
}

/// <summary>The JSON API's refusal: 401 with <c>WWW-Authenticate: Bearer</c>, or 403, and the usual JSON error body.</summary>
public sealed class JsonRefusal : Refusal
{
    public const string MissingCredentials = "An API token is required: send 'Authorization: Bearer <token>' or log in to the dashboard.";

    public override Task UnauthenticatedAsync(HttpContext context, string? problem)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiJson.Error(StatusCodes.Status401Unauthorized, "unauthenticated", problem ?? MissingCredentials).ExecuteAsync(context);
    }

    public override Task ForbiddenAsync(HttpContext context, string problem) =>
        ApiJson.Error(StatusCodes.Status403Forbidden, "permission_denied", problem).ExecuteAsync(context);
}
