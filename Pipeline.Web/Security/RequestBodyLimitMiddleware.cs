using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Pipeline.Web.Security;

/// <summary>
/// Caps request bodies per area: <c>/api</c> and the account forms get small limits (Kestrel keeps its own, larger one for
/// everything else). A declared length over the limit is answered 413 with problem details before anything is read; a
/// chunked body that runs over fails when read, and is answered 413 too.
/// </summary>
public sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<RequestLimitOptions> options, IProblemDetailsService problems)
{
    private readonly RequestLimitOptions _limits = options.Value;

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        long? limit = path.StartsWithSegments("/api") ? _limits.ApiMaxBodyBytes
            : path.StartsWithSegments("/account") ? _limits.FormMaxBodyBytes
            : null;
        if (limit is { } max)
        {
            if (context.Request.ContentLength > max)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                const string title = "The request body is too large.";
                var detail = $"Request bodies here are limited to {max} bytes.";
                if (!await problems.TryWriteAsync(new ProblemDetailsContext
                    {
                        HttpContext = context, ProblemDetails = { Status = StatusCodes.Status413PayloadTooLarge, Title = title, Detail = detail },
                    }))
                    await context.Response.WriteAsync($"{title} {detail}", context.RequestAborted);
                return;
            }
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
                feature.MaxRequestBodySize = max;
        }
        await next(context);
    }
}
