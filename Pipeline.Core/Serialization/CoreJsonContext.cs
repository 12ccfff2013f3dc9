using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Core.Domain;

namespace Pipeline.Core.Serialization;

/// <summary>Wire format of the stream's fetch tasks (and other core payloads), source-generated.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(FetchTask))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<int>))]
[JsonSerializable(typeof(List<RefreshAttempt>))]
public sealed partial class CoreJsonContext : JsonSerializerContext;
