using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Pipeline.Web.Hosting;

namespace Pipeline.Web.Security;

/// <summary>
/// The control plane's security: dashboard sign-in (built-in admin, optional OpenID Connect), cookies, antiforgery,
/// security headers, request body limits, the sign-in rate limit (SignInRateLimit), and a start that fails on missing secrets;
/// the middleware is in SecurityPipeline, the cookie in AuthCookies.
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
            .AddCookie(o => AuthCookies.Configure(o, development));
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

        services.AddSignInRateLimit();
        services.AddServerSessions();
        services.AddPipelineDataProtection(configuration);
        return services;
    }

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
