using Amazon.Runtime;
using Pipeline.Adapters.Aws.Signing;

namespace Pipeline.Tests.Adapters.Aws.Signing;

/// <summary>Changes process environment variables, so it runs alone.</summary>
[CollectionDefinition(nameof(ProcessEnvironmentCollection), DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection;

[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class AwsSdkCredentialsProviderTests
{
    [Fact]
    public async Task The_standard_chain_reads_credentials_from_the_environment()
    {
        string[] names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"];
        var saved = names.ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("AWS_PROFILE", null);
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDFROMENVIRONMENT");
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "secret-from-environment");
            Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", "token-from-environment");

            var credentials = await new AwsSdkCredentialsProvider().GetCredentialsAsync(CancellationToken.None);

            Assert.Equal("AKIDFROMENVIRONMENT", credentials.AccessKeyId);
            Assert.Equal("secret-from-environment", credentials.SecretAccessKey);
            Assert.Equal("token-from-environment", credentials.SessionToken);
        }
        finally
        {
            foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
        }
    }

    [Fact]
    public async Task Wraps_given_SDK_credentials_with_and_without_a_session_token()
    {
        var session = await new AwsSdkCredentialsProvider(new SessionAWSCredentials("AKIDSESSION", "s3cret", "tok"))
            .GetCredentialsAsync(CancellationToken.None);
        var basic = await new AwsSdkCredentialsProvider(new BasicAWSCredentials("AKIDBASIC", "s3cret"))
            .GetCredentialsAsync(CancellationToken.None);

        Assert.Equal(("AKIDSESSION", "s3cret", "tok"), (session.AccessKeyId, session.SecretAccessKey, session.SessionToken));
        Assert.Equal(("AKIDBASIC", "s3cret", (string?)null), (basic.AccessKeyId, basic.SecretAccessKey, basic.SessionToken));
    }
}
