using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Adapters.Google;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Google;

/// <summary>
/// Service-account credentials through Google.Apis.Auth: a generated key file whose <c>token_uri</c> points at a local
/// OAuth token endpoint that checks the signed JWT grant (issuer, audience, scope, RS256 signature).
/// </summary>
public sealed class GoogleAccessTokenSourceTests : IAsyncLifetime, IDisposable
{
    private const string ClientEmail = "pipeline@test-project.iam.gserviceaccount.com";
    private readonly RSA _key = RSA.Create(2048);
    private readonly List<string> _problems = [];
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"bq-sa-{Guid.NewGuid():N}.json");
    private WebApplication _tokenServer = null!;
    private Uri _tokenUri = null!;
    private int _tokenRequests;

    public async Task InitializeAsync()
    {
        _tokenServer = LoopbackServer.Create();
        _tokenServer.Run(IssueTokenAsync);
        _tokenUri = new Uri(await LoopbackServer.StartAsync(_tokenServer), "token");
        File.WriteAllText(_keyFile, new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = "test-project",
            ["private_key_id"] = "key-1",
            ["private_key"] = _key.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = ClientEmail,
            ["client_id"] = "1234567890",
            ["token_uri"] = _tokenUri.ToString(),
        }.ToJsonString());
    }

    public async Task DisposeAsync() => await _tokenServer.DisposeAsync();

    public void Dispose()
    {
        _key.Dispose();
        File.Delete(_keyFile);
    }

    private async Task IssueTokenAsync(HttpContext context)
    {
        Interlocked.Increment(ref _tokenRequests);
        var form = await context.Request.ReadFormAsync();
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer") _problems.Add("grant_type " + form["grant_type"]);
        var parts = form["assertion"].ToString().Split('.');
        if (parts.Length != 3)
        {
            _problems.Add("assertion is not a JWT");
            context.Response.StatusCode = 400;
            return;
        }
        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        if (!_key.VerifyData(signed, Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)) _problems.Add("bad signature");
        var header = JsonNode.Parse(Base64Url(parts[0]))!;
        var claims = JsonNode.Parse(Base64Url(parts[1]))!;
        if ((string?)header["alg"] != "RS256") _problems.Add("alg " + header["alg"]);
        if ((string?)header["kid"] != "key-1") _problems.Add("kid " + header["kid"]);
        if ((string?)claims["iss"] != ClientEmail) _problems.Add("iss " + claims["iss"]);
        // Google.Apis.Auth posts to token_uri but always names Google's token endpoint as the audience
        if ((string?)claims["aud"] != "https://oauth2.googleapis.com/token") _problems.Add("aud " + claims["aud"]);
        if ((string?)claims["scope"] != BigQueryOptions.Scope) _problems.Add("scope " + claims["scope"]);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("""{"access_token":"ya29.local-token","expires_in":3600,"token_type":"Bearer"}""");
    }

    private static byte[] Base64Url(string value)
    {
        var s = value.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }

    [Fact]
    public async Task Service_account_key_file_yields_a_bigquery_scoped_token_that_is_cached()
    {
        var source = new GoogleAccessTokenSource(
            Options.Create(new BigQueryOptions { ProjectId = "test-project", CredentialsPath = _keyFile }),
            NullLogger<GoogleAccessTokenSource>.Instance);

        Assert.Equal("ya29.local-token", await source.GetAccessTokenAsync(CancellationToken.None));
        Assert.Equal("ya29.local-token", await source.GetAccessTokenAsync(CancellationToken.None));

        Assert.Empty(_problems);
        Assert.Equal(1, _tokenRequests);
    }

    [Fact]
    public async Task A_key_file_of_another_credential_type_is_refused()
    {
        var userFile = _keyFile + ".user.json";
        File.WriteAllText(userFile, """{"type":"authorized_user","client_id":"a","client_secret":"b","refresh_token":"c"}""");
        try
        {
            var source = new GoogleAccessTokenSource(
                Options.Create(new BigQueryOptions { ProjectId = "test-project", CredentialsPath = userFile }),
                NullLogger<GoogleAccessTokenSource>.Instance);
            await Assert.ThrowsAnyAsync<Exception>(async () => await source.GetAccessTokenAsync(CancellationToken.None));
            Assert.Equal(0, _tokenRequests);
        }
        finally
        {
            File.Delete(userFile);
        }
    }

    private static List<ValidationResult> Validate(BigQueryOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Options_are_validated_with_data_annotations()
    {
        Assert.Empty(Validate(new BigQueryOptions { ProjectId = "my-project-123" }));
        Assert.Contains(Validate(new BigQueryOptions()), r => r.MemberNames.Contains(nameof(BigQueryOptions.ProjectId)));
        Assert.Contains(Validate(new BigQueryOptions { ProjectId = "my-project", DatasetId = "bad-name" }),
            r => r.MemberNames.Contains(nameof(BigQueryOptions.DatasetId)));
        Assert.Contains(Validate(new BigQueryOptions { ProjectId = "my-project", BaseUrl = "not a url" }),
            r => r.MemberNames.Contains(nameof(BigQueryOptions.BaseUrl)));
        Assert.Contains(Validate(new BigQueryOptions { ProjectId = "my-project", JobPollInterval = TimeSpan.FromHours(1) }),
            r => r.MemberNames.Contains(nameof(BigQueryOptions.JobPollInterval)));
        Assert.Contains(Validate(new BigQueryOptions { ProjectId = "my-project", MaxUploadBytes = 10 }),
            r => r.MemberNames.Contains(nameof(BigQueryOptions.MaxUploadBytes)));
    }
}
