using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Pipeline.Web.Hosting;

namespace Pipeline.Web.Security;

/// <summary>
/// The control plane's security: dashboard sign-in (built-in admin, optional OpenID Connect), cookies, antiforgery,
/// security headers, request body limits, the sign-in rate limit, and a start that fails on missing secrets.
/// </summary>
public static class SecurityRegistration
{
    public static IServiceCollection AddPipelineSecurity(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var development = environment.IsDevelopment();
        var oidc = configuration.GetSection(OidcOptions.Section).Get<OidcOptions>() ?? new OidcOptions();

        // Missing or malformed secrets stop the start, naming the key (ValidateOnStart runs before the host starts).
        services.AddOptions<SecurityOptions>()
            .Validate(o => development || o.AllKeys.Any(),
                "Pipeline:Security:ApiKeys:0 (or Pipeline:Security:ApiKey) must be set outside Development.")
            .ValidateOnStart();
        services.AddOptions<AdminAccountOptions>().Bind(configuration.GetSection(AdminAccountOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => !o.Enabled || development || !string.IsNullOrWhiteSpace(o.PasswordHash),
                $"{AdminAccountOptions.PasswordHashKey} must be set outside Development (a PasswordHasher v3 hash; see docs/reliability.md).")
            .Validate(o => string.IsNullOrWhiteSpace(o.PasswordHash) || AdminPasswordHash.IsWellFormed(o.PasswordHash),
                $"{AdminAccountOptions.PasswordHashKey} is not a PasswordHasher v3 hash (base64, PBKDF2, at least 10,000 iterations).")
            .Validate(o => o.Enabled || oidc.Enabled,
                $"{AdminAccountOptions.Section}:Enabled is false but {OidcOptions.Section}:Authority is not set: nobody could sign in.")
            .ValidateOnStart();
        services.AddOptions<OidcOptions>().Bind(configuration.GetSection(OidcOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => !o.Enabled || Uri.TryCreate(o.Authority, UriKind.Absolute, out _),
                $"{OidcOptions.Section}:Authority must be an absolute URL.")
            .Validate(o => !o.Enabled || !string.IsNullOrWhiteSpace(o.ClientId),
                $"{OidcOptions.Section}:ClientId must be set when {OidcOptions.Section}:Authority is set.")
            .ValidateOnStart();
        services.AddOptions<SignInOptions>().Bind(configuration.GetSection(SignInOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RequestLimitOptions>().Bind(configuration.GetSection(RequestLimitOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<AdminCredentials>();
        services.AddHostedService<SecretsCheck>();

        var authentication = services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = development ? "pipeline.auth" : "__Host-pipeline.auth";
                o.Cookie.HttpOnly = true;
                // Lax, not Strict: the sign-on redirect back from an identity provider must carry the cookie.
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                o.LoginPath = AccountEndpoints.SignInPage;
                o.AccessDeniedPath = AccountEndpoints.SignInPage;
                o.LogoutPath = AccountEndpoints.SignOutPath;
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = context =>
                {
                    // Browsers navigating get the sign-in page; scripts and API clients get a plain 401.
                    if (IsPageRequest(context.Request)) context.Response.Redirect(context.RedirectUri);
                    else context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
            });
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<SignInOptions>>((o, signIn) => o.ExpireTimeSpan = TimeSpan.FromHours(signIn.Value.SessionHours));
        if (oidc.Enabled) AddOpenIdConnect(authentication, oidc);

        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        services.Configure<AntiforgeryOptions>(o =>
        {
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        });
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<RequestLimitOptions>>((o, limits) => o.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes);

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

    /// <summary>
    /// Security headers, body limits, authentication, authorization, the rate limiter and the account endpoints. Call
    /// before <c>UseAntiforgery</c> and before anything that reads the user (the Hangfire dashboard's filter).
    /// </summary>
    public static WebApplication UsePipelineSecurity(this WebApplication app)
    {
        if (app.Configuration.GetSection(ProxyOptions.Section).Get<ProxyOptions>() is { TrustLoopbackProxy: true })
            // The defaults trust loopback proxies only.
            app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto });
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapAccountEndpoints();
        return app;
    }

    private static bool IsPageRequest(HttpRequest request) =>
        HttpMethods.IsGet(request.Method)
        && !request.Path.StartsWithSegments("/api")
        && !request.Path.StartsWithSegments("/_blazor")
        && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    private static void AddOpenIdConnect(Microsoft.AspNetCore.Authentication.AuthenticationBuilder authentication, OidcOptions oidc) =>
        authentication.AddOpenIdConnect(OidcOptions.Scheme, oidc.DisplayName, o =>
        {
            o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.Authority = oidc.Authority;
            o.ClientId = oidc.ClientId;
            o.ClientSecret = string.IsNullOrWhiteSpace(oidc.ClientSecret) ? null : oidc.ClientSecret;
            o.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
            o.ResponseType = "code";
            o.UsePkce = true;
            o.SaveTokens = false;
            o.MapInboundClaims = false;
            o.GetClaimsFromUserInfoEndpoint = true;
            o.Scope.Clear();
            foreach (var scope in $"openid profile {oidc.Scopes}".Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct()) o.Scope.Add(scope);
            o.TokenValidationParameters.NameClaimType = "name";
            o.TokenValidationParameters.RoleClaimType = "roles";
            o.Events = new OpenIdConnectEvents
            {
                OnTokenValidated = context =>
                {
                    if (context.Principal?.Identity is ClaimsIdentity identity)
                        identity.AddClaim(new Claim(AccountEndpoints.SignInMethodClaim, "oidc"));
                    return Task.CompletedTask;
                },
                OnRemoteFailure = context =>
                {
                    // Back to the sign-in page with a plain message; the cause goes to the log (never the tokens).
                    context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SecurityRegistration))
                        .LogWarning("Single sign-on failed: {Error}", context.Failure?.Message);
                    context.Response.Redirect($"{AccountEndpoints.SignInPage}?error=sso");
                    context.HandleResponse();
                    return Task.CompletedTask;
                },
            };
        });
}
