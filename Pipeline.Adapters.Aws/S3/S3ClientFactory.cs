using Amazon;
using Amazon.S3;

namespace Pipeline.Adapters.Aws.S3;

/// <summary>Builds the SDK client for <see cref="S3RawZone"/> from its options. Credentials come from the SDK's default chain.</summary>
public static class S3ClientFactory
{
    public static IAmazonS3 Create(S3RawZoneOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AmazonS3Config();
        if (string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
            config.ForcePathStyle = options.ForcePathStyle;
        }
        else
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region;
            // A local server has no bucket.host DNS names.
            config.ForcePathStyle = true;
        }
        return new AmazonS3Client(config);
    }
}
