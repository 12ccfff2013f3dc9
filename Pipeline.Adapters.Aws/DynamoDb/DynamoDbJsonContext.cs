using System.Text.Json.Serialization;

namespace Pipeline.Adapters.Aws.DynamoDb;

[JsonSerializable(typeof(ProductPageCursor))]
internal sealed partial class DynamoDbJsonContext : JsonSerializerContext;
