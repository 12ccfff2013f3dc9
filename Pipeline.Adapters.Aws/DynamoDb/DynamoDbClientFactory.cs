using Amazon;
using Amazon.DynamoDBv2;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>Builds the low-level SDK client for the DynamoDB stores. Credentials come from the SDK's default chain.</summary>
public static class DynamoDbClientFactory
{
    public static IAmazonDynamoDB Create(DynamoDbStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AmazonDynamoDBConfig();
        if (string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }
        else
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region;
        }
        return new AmazonDynamoDBClient(config);
    }
}
