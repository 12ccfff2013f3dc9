using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Core.Domain;

namespace Pipeline.Adapters.Local;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RawObjectMetadata))]
internal sealed partial class RawZoneJsonContext : JsonSerializerContext;
