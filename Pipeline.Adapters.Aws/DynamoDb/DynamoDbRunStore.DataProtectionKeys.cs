using System.Xml.Linq;
using Amazon.DynamoDBv2.Model;
using Microsoft.AspNetCore.DataProtection.Repositories;
using static Pipeline.Adapters.Aws.DynamoDb.AttributeValues;
using R = Pipeline.Adapters.Aws.DynamoDb.RunItems;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>
/// ASP.NET Core data-protection keys (the dashboard's cookie and antiforgery keys) in the runs table, so that every
/// instance on the same tables shares them and they outlive any host: one item per key or revocation element in the
/// partition <c>dataprotection-keys</c>, sort key <c>key#&lt;friendly name&gt;</c> (the key's <c>key-&lt;guid&gt;</c>),
/// the element's XML in <c>xml</c>. Not on the "recent" index. DynamoDB encrypts every table at rest (terraform/dynamodb.tf
/// turns on server-side encryption with the AWS managed KMS key); the XML itself is stored as data protection hands it
/// over (encrypted once more when the host configures a key encryptor, e.g. a certificate).
/// </summary>
public sealed partial class DynamoDbRunStore : IXmlRepository
{
    internal const string DataProtectionPartition = "dataprotection-keys";
    internal const string DataProtectionSkPrefix = "key#";
    internal const string DataProtectionXml = "xml";

    /// <summary>Every stored element (consistent read, all pages). Data protection calls it at start and when its key ring expires.</summary>
    public IReadOnlyCollection<XElement> GetAllElements() => ReadDataProtectionElementsAsync().GetAwaiter().GetResult();

    /// <summary>Stores one element (a new key or a revocation); a repeated name replaces the item, as a file would be.</summary>
    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        var name = string.IsNullOrWhiteSpace(friendlyName) ? Guid.NewGuid().ToString("N") : friendlyName;
        _db.PutItemAsync(new PutItemRequest
        {
            TableName = Table,
            Item = new()
            {
                [R.Pk] = S(DataProtectionPartition),
                [R.Sk] = S(DataProtectionSkPrefix + name),
                [DataProtectionXml] = S(element.ToString(SaveOptions.DisableFormatting)),
            },
        }).GetAwaiter().GetResult();
    }

    private async Task<List<XElement>> ReadDataProtectionElementsAsync()
    {
        var elements = new List<XElement>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            var page = await _db.QueryAsync(new QueryRequest
            {
                TableName = Table,
                KeyConditionExpression = "#pk = :pk",
                ExpressionAttributeNames = new() { ["#pk"] = R.Pk },
                ExpressionAttributeValues = new() { [":pk"] = S(DataProtectionPartition) },
                ConsistentRead = true,
                ExclusiveStartKey = startKey,
            }).ConfigureAwait(false);
            elements.AddRange((page.Items ?? []).Select(item => XElement.Parse(item.GetRequiredString(DataProtectionXml))));
            startKey = page.LastEvaluatedKey;
        } while (startKey is { Count: > 0 });
        return elements;
    }
}
