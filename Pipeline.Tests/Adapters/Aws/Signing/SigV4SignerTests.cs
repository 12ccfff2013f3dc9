using System.Net.Http.Headers;
using System.Text;
using Pipeline.Adapters.Aws.Signing;

namespace Pipeline.Tests.Adapters.Aws.Signing;

public sealed class SigV4SignerTests
{
    private readonly SigV4Signer _signer = new();

    public static TheoryData<string> Vectors() => new(SigV4TestVector.DiscoverNames());

    [Fact]
    public void Suite_has_all_34_cases_including_nested_groups()
    {
        var names = SigV4TestVector.DiscoverNames();

        Assert.Equal(34, names.Count);
        Assert.Contains("post-sts-token/post-sts-header-after", names);
        Assert.Contains("post-sts-token/post-sts-header-before", names);
        Assert.Equal(8, names.Count(n => n.StartsWith("normalize-path/", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Signs_vector_byte_for_byte(string name)
    {
        var vector = SigV4TestVector.Load(name);
        var (credentials, parameters) = vector.SigningInputs();

        var signature = _signer.Sign(vector.ParseRequest(), credentials, parameters);

        Assert.Equal(vector.ReadText("creq"), signature.CanonicalRequest);
        Assert.Equal(vector.ReadBytes("creq"), Encoding.UTF8.GetBytes(signature.CanonicalRequest));
        Assert.Equal(vector.ReadText("sts"), signature.StringToSign);
        Assert.Equal(vector.ReadBytes("sts"), Encoding.UTF8.GetBytes(signature.StringToSign));
        Assert.Equal(vector.ReadText("authz"), signature.Authorization);
        Assert.Equal(vector.ReadBytes("authz"), Encoding.UTF8.GetBytes(signature.Authorization));

        // The signed request carries the same headers as .sreq (e.g. the token added after signing). The .sreq
        // Authorization line is not compared: upstream's get-vanilla-with-session-token.sreq carries get-vanilla's
        // signature; .authz is the reference for that value.
        var expected = vector.ParseSignedRequest();
        Assert.Equal(
            HeaderLines(expected.Headers.Where(h => !IsAuthorization(h.Key))),
            HeaderLines(signature.Headers.Where(h => !IsAuthorization(h.Key))));
        Assert.Equal(vector.ReadText("authz"), signature.Headers.Single(h => IsAuthorization(h.Key)).Value);
    }

    [Fact]
    public void S3_mode_keeps_the_wire_path_as_it_is()
    {
        var vector = SigV4TestVector.Load("normalize-path/get-slashes");
        var (credentials, parameters) = vector.SigningInputs();

        var s3 = _signer.Sign(vector.ParseRequest(), credentials, parameters with { PathMode = SigV4PathMode.S3 });
        var other = _signer.Sign(vector.ParseRequest(), credentials, parameters);

        Assert.Equal("//example//", s3.CanonicalRequest.Split('\n')[1]);
        Assert.Equal("/example/", other.CanonicalRequest.Split('\n')[1]);
        Assert.NotEqual(other.Signature, s3.Signature);
    }

    [Fact]
    public void Non_s3_mode_encodes_an_already_encoded_path_again()
    {
        Assert.Equal("/a%2520b/%25E1%2588%25B4", SigV4Signer.CanonicalUri("/a%20b/%E1%88%B4", SigV4PathMode.NormalizeAndEncode));
        Assert.Equal("/a%20b/%E1%88%B4", SigV4Signer.CanonicalUri("/a%20b/%E1%88%B4", SigV4PathMode.S3));
    }

    [Fact]
    public void Signing_an_HttpRequestMessage_matches_the_vector()
    {
        var vector = SigV4TestVector.Load("post-x-www-form-urlencoded-parameters");
        var (credentials, parameters) = vector.SigningInputs();
        var body = "Param1=value1"u8.ToArray();
        using var message = new HttpRequestMessage(HttpMethod.Post, "https://example.amazonaws.com/");
        message.Content = new ByteArrayContent(body);
        message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded; charset=utf8");
        message.Headers.UserAgent.ParseAdd("pipeline-test/1.0");

        var signature = _signer.Sign(message, body, credentials, parameters);

        Assert.Equal(vector.ReadText("creq"), signature.CanonicalRequest);
        Assert.Equal(vector.ReadText("authz"), message.Headers.Authorization!.ToString());
        Assert.Equal("20150830T123600Z", message.Headers.GetValues("X-Amz-Date").Single());
        Assert.Equal("example.amazonaws.com", message.Headers.Host);
    }

    [Fact]
    public void Signing_an_HttpRequestMessage_with_temporary_credentials_signs_the_token()
    {
        var vector = SigV4TestVector.Load("post-sts-token/post-sts-header-before");
        var (credentials, parameters) = vector.SigningInputs();
        using var message = new HttpRequestMessage(HttpMethod.Post, "https://example.amazonaws.com/");

        var signature = _signer.Sign(message, ReadOnlyMemory<byte>.Empty, credentials, parameters);

        Assert.Equal(vector.ReadText("authz"), message.Headers.Authorization!.ToString());
        Assert.Equal(credentials.SessionToken, message.Headers.GetValues("X-Amz-Security-Token").Single());
        Assert.Equal("host;x-amz-date;x-amz-security-token", signature.SignedHeaders);
    }

    [Fact]
    public void Credentials_never_print_their_secret_or_token()
    {
        var credentials = new AwsCredentials("AKIDEXAMPLE", "very-secret", "session-token-value");

        var text = credentials.ToString();

        Assert.Contains("AKIDEXAMPLE", text, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("session-token-value", text, StringComparison.Ordinal);
    }

    private static bool IsAuthorization(string name) => name.Trim().Equals("Authorization", StringComparison.OrdinalIgnoreCase);

    private static List<string> HeaderLines(IEnumerable<KeyValuePair<string, string>> headers) =>
        headers.Select(h => h.Key.Trim().ToLowerInvariant() + ":" + h.Value.Trim()).ToList();
}
