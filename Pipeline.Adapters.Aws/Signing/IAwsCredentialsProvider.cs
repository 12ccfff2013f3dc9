namespace Pipeline.Adapters.Aws.Signing;

/// <summary>Supplies credentials for each request (they may rotate, e.g. instance-role or SSO credentials).</summary>
public interface IAwsCredentialsProvider
{
    ValueTask<AwsCredentials> GetCredentialsAsync(CancellationToken ct);
}
