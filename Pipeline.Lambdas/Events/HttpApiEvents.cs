
namespace Pipeline.Lambdas.Events;

/// <summary>
/// An API Gateway HTTP API request, payload format 2.0 (the fields this project reads, and a few more for logs).
/// Header names arrive lower-cased from API Gateway; look them up case-insensitively all the same.
/// </summary>
public sealed record HttpApiRequest
{
    public string? Version { get; init; }
    public string? RouteKey { get; init; }
    public string? RawPath { get; init; }
    public string? RawQueryString { get; init; }
    public Dictionary<string, string>? Headers { get; init; }
    public Dictionary<string, string>? QueryStringParameters { get; init; }
    public Dictionary<string, string>? PathParameters { get; init; }
    public HttpApiRequestContext? RequestContext { get; init; }

    /// <summary>The body as API Gateway passed it: text, or base64 when <see cref="IsBase64Encoded"/>.</summary>
    public string? Body { get; init; }

    public bool IsBase64Encoded { get; init; }

    /// <summary>The value of a header, whatever the case of its name; null when absent.</summary>
    public string? Header(string name)
    {
        if (Headers is null) return null;
        foreach (var (key, value) in Headers)
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) return value;
        return null;
    }
}

/// <summary><c>requestContext</c> of an HTTP API request.</summary>
public sealed record HttpApiRequestContext
{
    public string? AccountId { get; init; }
    public string? ApiId { get; init; }
    public string? DomainName { get; init; }
    public string? RequestId { get; init; }
    public string? RouteKey { get; init; }
    public string? Stage { get; init; }
    public long TimeEpoch { get; init; }
    public HttpApiRequestHttp? Http { get; init; }

    /// <summary><c>requestContext.authorizer</c>: who the route's authoriser let through (IAM on this project's route).</summary>
    public HttpApiAuthorizer? Authorizer { get; init; }

    /// <summary><c>requestContext.identity</c> of a REST API (payload 1.0) request: the caller of an IAM-authorised method.</summary>
    public ApiGatewayIdentity? Identity { get; init; }

    /// <summary>
    /// True when API Gateway says an IAM principal signed the request: <c>authorizer.iam.userArn</c> or <c>userId</c>
    /// (HTTP API, payload 2.0), or <c>identity.userArn</c> or <c>caller</c> (REST API, payload 1.0). Only API Gateway writes
    /// the request context; a caller cannot set it.
    /// </summary>
    public bool HasIamPrincipal =>
        !string.IsNullOrWhiteSpace(Authorizer?.Iam?.UserArn) || !string.IsNullOrWhiteSpace(Authorizer?.Iam?.UserId)
        || !string.IsNullOrWhiteSpace(Identity?.UserArn) || !string.IsNullOrWhiteSpace(Identity?.Caller);
}

/// <summary><c>requestContext.authorizer</c> of an HTTP API request (its <c>iam</c> part; JWT and Lambda authorisers are not used).</summary>
public sealed record HttpApiAuthorizer
{
    public HttpApiIamIdentity? Iam { get; init; }
}

/// <summary><c>requestContext.authorizer.iam</c>: the IAM principal whose SigV4 signature API Gateway verified.</summary>
public sealed record HttpApiIamIdentity
{
    public string? AccessKey { get; init; }
    public string? AccountId { get; init; }
    public string? CallerId { get; init; }
    public string? UserArn { get; init; }
    public string? UserId { get; init; }
}

/// <summary><c>requestContext.identity</c> of a REST API request (the fields that name an IAM caller).</summary>
public sealed record ApiGatewayIdentity
{
    public string? Caller { get; init; }
    public string? UserArn { get; init; }
    public string? AccountId { get; init; }
}

/// <summary><c>requestContext.http</c>: the method and path of the HTTP request.</summary>
public sealed record HttpApiRequestHttp
{
    public string? Method { get; init; }
    public string? Path { get; init; }
    public string? Protocol { get; init; }
    public string? SourceIp { get; init; }
    public string? UserAgent { get; init; }
}

/// <summary>The answer API Gateway turns into the HTTP response (payload format 2.0).</summary>
public sealed record HttpApiResponse
{
    public required int StatusCode { get; init; }
    public Dictionary<string, string>? Headers { get; init; }
    public string? Body { get; init; }
    public bool IsBase64Encoded { get; init; }
}

/// <summary>The trigger's body: the same shape as <c>POST /api/ingestions</c>. Option values: strings, numbers or booleans.</summary>
public sealed record StartIngestionPayload(string? Source, Dictionary<string, System.Text.Json.JsonElement>? Options);

/// <summary>202 answer of the trigger.</summary>
public sealed record RunAcceptedResponse(string RunId, string Status, bool Created);

/// <summary>An RFC 9457 problem, as the Web API writes it (validation errors by field, the active run on a 409).</summary>
public sealed record ProblemResponse
{
    public string? Type { get; init; }
    public required string Title { get; init; }
    public required int Status { get; init; }
    public string? Detail { get; init; }
    public Dictionary<string, string[]>? Errors { get; init; }
    public string? RunId { get; init; }
    public string? CorrelationId { get; init; }
}
