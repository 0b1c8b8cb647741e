namespace Partages.Coordinator.Api;

// The JSON API's own shapes; what it reads is the read model's views (ReadModel/Views.cs), serialized by ApiJson.

/// <summary>The body of every error answer: <c>{"error": {"code": "...", "message": "..."}}</c>.</summary>
public sealed record ApiErrorBody(ApiError Error);

public sealed record ApiError(string Code, string Message);
