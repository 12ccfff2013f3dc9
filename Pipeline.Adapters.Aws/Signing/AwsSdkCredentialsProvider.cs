using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Pipeline.Adapters.Aws.Signing;

/// <summary>
/// Credentials from AWSSDK.Core's standard chain (environment variables, shared profile incl. SSO, web identity,
/// container and EC2 instance role). The chain is resolved once; the resolved <see cref="AWSCredentials"/> refreshes
/// temporary credentials itself, so every call asks it for the current ones. A failed resolution is not cached: the
/// next call tries the chain again.
/// </summary>
public sealed class AwsSdkCredentialsProvider : IAwsCredentialsProvider
{
    private readonly Lazy<AWSCredentials> _source;

    public AwsSdkCredentialsProvider()
        : this(static () => DefaultAWSCredentialsIdentityResolver.GetCredentials())
    {
    }

    /// <summary>Wraps a given SDK credentials object (e.g. a named profile).</summary>
    public AwsSdkCredentialsProvider(AWSCredentials credentials)
        : this(() => credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
    }

    private AwsSdkCredentialsProvider(Func<AWSCredentials> resolve) =>
        _source = new Lazy<AWSCredentials>(resolve, LazyThreadSafetyMode.PublicationOnly);

    public async ValueTask<AwsCredentials> GetCredentialsAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var current = await _source.Value.GetCredentialsAsync().ConfigureAwait(false);
        return new AwsCredentials(current.AccessKey, current.SecretKey, current.UseToken ? current.Token : null);
    }
}
