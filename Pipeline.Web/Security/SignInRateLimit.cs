using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Pipeline.Web.Security;

/// <summary>
/// Sign-in limits: the flood guard per client address in front of the account endpoints (the
/// <see cref="AccountEndpoints.SignInRateLimitPolicy"/> policy), the <see cref="SignInThrottle"/> the password sign-in
/// asks before checking a password, and the answer a refused attempt gets (429 with <c>Retry-After</c>).
/// </summary>
public static class SignInRateLimit
{
    public static IServiceCollection AddSignInRateLimit(this IServiceCollection services)
    {
        services.AddSignInThrottle();
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(AccountEndpoints.SignInRateLimitPolicy, context =>
            {
                var services = context.RequestServices;
                var window = TimeSpan.FromSeconds(services.GetRequiredService<IOptions<SignInOptions>>().Value.WindowSeconds);
                var limit = services.GetRequiredService<IOptions<SignInThrottleOptions>>().Value.RequestLimit;
                return RateLimitPartition.GetFixedWindowLimiter(ClientAddress(context),
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = window, QueueLimit = 0 });
            });
            o.OnRejected = (context, ct) =>
            {
                context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter);
                LogRefusal(context.HttpContext, "too many requests from this address", retryAfter);
                return WriteRefusalAsync(context.HttpContext, retryAfter, ct);
            };
        });
        return services;
    }

    /// <summary>The address the limits are keyed by (the proxy's client address when a trusted proxy forwards it).</summary>
    internal static string ClientAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Logs a refusal with the address and the reason; never what was typed.</summary>
    internal static void LogRefusal(HttpContext http, string reason, TimeSpan retryAfter) =>
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SignInRateLimit)).LogWarning(
            "Dashboard sign-in refused from {RemoteAddress}: {Reason}; retry after {RetryAfterSeconds} s",
            ClientAddress(http), reason, RetryAfterSeconds(retryAfter));

    /// <summary>429, <c>Retry-After</c> in whole seconds (when known) and a problem details body (plain text if none can be written).</summary>
    internal static async ValueTask WriteRefusalAsync(HttpContext http, TimeSpan retryAfter, CancellationToken ct)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        if (retryAfter > TimeSpan.Zero) response.Headers.RetryAfter = RetryAfterSeconds(retryAfter).ToString(CultureInfo.InvariantCulture);
        const string title = "Too many sign-in attempts.";
        var detail = retryAfter > TimeSpan.Zero ? $"Wait {RetryAfterSeconds(retryAfter)} seconds and try again." : "Wait a minute and try again.";
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        if (!await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http, ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = title, Detail = detail },
            }))
            await response.WriteAsync($"{title} {detail}", ct);
    }

    private static int RetryAfterSeconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));

    /// <summary>Binds and checks <c>Pipeline:Security:SignIn:Throttle</c> at start and registers the throttle.</summary>
    private static void AddSignInThrottle(this IServiceCollection services)
    {
        services.AddOptions<SignInThrottleOptions>().BindConfiguration(SignInThrottleOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.FirstDelaySeconds <= o.MaxDelaySeconds,
                $"{SignInThrottleOptions.Section}:FirstDelaySeconds must not exceed {SignInThrottleOptions.Section}:MaxDelaySeconds.")
            .Validate(o => o.ForgetAfterSeconds >= o.MaxDelaySeconds,
                $"{SignInThrottleOptions.Section}:ForgetAfterSeconds must be at least {SignInThrottleOptions.Section}:MaxDelaySeconds.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SignInThrottle>();
    }
}
