namespace Pipeline.Adapters.Aws.Signing;

/// <summary>Fixed credentials, e.g. for local AWS-API servers and tests.</summary>
public sealed class StaticAwsCredentialsProvider(AwsCredentials credentials) : IAwsCredentialsProvider
{
    public ValueTask<AwsCredentials> GetCredentialsAsync(CancellationToken ct) => ValueTask.FromResult(credentials);
}
