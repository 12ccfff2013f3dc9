using Pipeline.Web.Hosting;

namespace Pipeline.Web.Api;

/// <summary>Every /api request carries <c>X-Api-Key</c>; without a valid one it gets 401.</summary>
public sealed class ApiKeyFilter(ApiKeyVerifier verifier) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var presented = context.HttpContext.Request.Headers[ApiKeyVerifier.HeaderName].ToString();
        if (!verifier.IsValid(presented))
            return Results.Problem(title: "Unauthorized.", detail: $"A valid {ApiKeyVerifier.HeaderName} header is required.",
                statusCode: StatusCodes.Status401Unauthorized);
        return await next(context);
    }
}
