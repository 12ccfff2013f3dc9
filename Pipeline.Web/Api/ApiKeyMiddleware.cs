using Pipeline.Web.Hosting;

namespace Pipeline.Web.Api;

/// <summary>
/// Every <c>/api</c> request carries <c>X-Api-Key</c>; without a valid one it gets 401 with problem details, before
/// routing's endpoint runs: nothing binds, reads or parses the body of a request that is not allowed in.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyVerifier verifier)
{
    public const string PathPrefix = "/api";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments(PathPrefix)
            || verifier.IsValid(context.Request.Headers[ApiKeyVerifier.HeaderName].ToString()))
        {
            await next(context);
            return;
        }
        await Results.Problem(title: "Unauthorized.", detail: $"A valid {ApiKeyVerifier.HeaderName} header is required.",
            statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
    }
}
