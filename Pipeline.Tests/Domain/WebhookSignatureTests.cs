using System.Text;
using Pipeline.Core.Trust;

namespace Pipeline.Tests.Domain;

/// <summary>The signature follows GitHub's webhook convention, checked against GitHub's own documented example.</summary>
public sealed class WebhookSignatureTests
{
    // docs.github.com, "Validating webhook deliveries": secret "It's a Secret to Everybody", payload "Hello, World!".
    private const string GitHubSecret = "It's a Secret to Everybody";
    private const string GitHubSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    [Fact]
    public void Signs_as_GitHub_documents() => Assert.Equal(GitHubSignature, WebhookSignature.Sign(GitHubSecret, "Hello, World!"u8));

    [Fact]
    public void Verifies_only_the_same_body_with_the_same_secret()
    {
        Assert.True(WebhookSignature.Verify(GitHubSecret, "Hello, World!"u8, GitHubSignature));
        Assert.False(WebhookSignature.Verify(GitHubSecret, "Hello, World?"u8, GitHubSignature));
        Assert.False(WebhookSignature.Verify("another secret", "Hello, World!"u8, GitHubSignature));
        Assert.False(WebhookSignature.Verify(GitHubSecret, Encoding.UTF8.GetBytes("Hello, World!"), null));
    }
}
