using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Security;

/// <summary>
/// A minimal OpenID Connect provider on loopback: discovery, JWKS, a token endpoint that checks the PKCE verifier and
/// signs an RS256 ID token, and userinfo. The test plays the browser and the provider's login page (<see cref="Authorize"/>).
/// </summary>
public sealed class FakeOpenIdProvider : IAsyncDisposable
{
    public const string ClientId = "pipeline-dashboard";
    private readonly WebApplication _app;
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, (string Nonce, string Challenge, string Name)> _codes = new();

    private FakeOpenIdProvider(WebApplication app) => _app = app;

    public Uri Issuer { get; private set; } = null!;

    private int _tokenRequests;

    /// <summary>Token requests received (a forged callback must not reach the provider).</summary>
    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    public static async Task<FakeOpenIdProvider> StartAsync()
    {
        var app = LoopbackServer.Create();
        var provider = new FakeOpenIdProvider(app);
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = provider.IssuerText,
            ["authorization_endpoint"] = provider.IssuerText + "/authorize",
            ["token_endpoint"] = provider.IssuerText + "/token",
            ["userinfo_endpoint"] = provider.IssuerText + "/userinfo",
            ["jwks_uri"] = provider.IssuerText + "/jwks",
            ["end_session_endpoint"] = provider.IssuerText + "/logout",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
        }));
        app.MapGet("/jwks", () =>
        {
            var key = provider._rsa.ExportParameters(false);
            return Results.Json(new
            {
                keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = "test-key", n = Base64UrlEncoder.Encode(key.Modulus), e = Base64UrlEncoder.Encode(key.Exponent) } },
            });
        });
        app.MapPost("/token", (HttpRequest request) => provider.TokenAsync(request));
        app.MapGet("/userinfo", () => Results.Json(new { sub = "user-42", name = "Ada Lovelace" }));
        provider.Issuer = new Uri((await LoopbackServer.StartAsync(app)).ToString().TrimEnd('/'));
        return provider;
    }

    private string IssuerText => Issuer.ToString().TrimEnd('/');

    /// <summary>The provider's login page approving the request: returns the code to post back to the client's callback.</summary>
    public string Authorize(string nonce, string codeChallenge, string name)
    {
        var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _codes[code] = (nonce, codeChallenge, name);
        return code;
    }

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        Interlocked.Increment(ref _tokenRequests);
        var form = await request.ReadFormAsync();
        if (form["grant_type"] != "authorization_code" || form["client_id"] != ClientId) return Results.BadRequest(new { error = "invalid_client" });
        if (!_codes.TryRemove(form["code"].ToString(), out var grant)) return Results.BadRequest(new { error = "invalid_grant" });
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString())));
        if (challenge != grant.Challenge) return Results.BadRequest(new { error = "invalid_grant", error_description = "PKCE" });
        var now = DateTime.UtcNow;
        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = IssuerText,
            Audience = ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            Subject = new ClaimsIdentity([new Claim("sub", "user-42"), new Claim("name", grant.Name), new Claim("nonce", grant.Nonce)]),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(_rsa) { KeyId = "test-key" }, SecurityAlgorithms.RsaSha256),
        });
        return Results.Json(new { access_token = "access-" + Guid.NewGuid().ToString("N"), token_type = "Bearer", expires_in = 300, id_token = idToken });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _rsa.Dispose();
    }
}
