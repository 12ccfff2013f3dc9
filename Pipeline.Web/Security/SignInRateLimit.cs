using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Pipeline.Web.Security;

/// <summary>The sign-in rate limit (<c>Pipeline:Security:SignIn</c>), and the answer a refused attempt gets.</summary>
public static class SignInRateLimit
{
    public static IServiceCollection AddSignInRateLimit(this IServiceCollection services)
    {
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(AccountEndpoints.SignInRateLimitPolicy, context =>
            {
                var limits = context.RequestServices.GetRequiredService<IOptions<SignInOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = limits.PermitLimit, Window = TimeSpan.FromSeconds(limits.WindowSeconds), QueueLimit = 0,
                    });
            });
            o.OnRejected = async (context, ct) =>
            {
                var response = context.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                    response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                const string title = "Too many sign-in attempts.", detail = "Wait a minute and try again.";
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                if (!await problems.TryWriteAsync(new ProblemDetailsContext
                    {
                        HttpContext = context.HttpContext, ProblemDetails = { Status = 429, Title = title, Detail = detail },
                    }))
                    await response.WriteAsync($"{title} {detail}", ct);
            };
        });
        return services;
    }
}
