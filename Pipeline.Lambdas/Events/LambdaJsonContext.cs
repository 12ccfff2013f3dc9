using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Lambdas.Events;

/// <summary>
/// Source-generated (de)serialisation of every event and answer of the functions. Web defaults (camelCase, names
/// matched case-insensitively), like the Web app's JSON options; nulls are left out of answers.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = 32)]
[JsonSerializable(typeof(HttpApiRequest))]
[JsonSerializable(typeof(HttpApiResponse))]
[JsonSerializable(typeof(StartIngestionPayload))]
[JsonSerializable(typeof(RunAcceptedResponse))]
[JsonSerializable(typeof(ProblemResponse))]
[JsonSerializable(typeof(KinesisEvent))]
[JsonSerializable(typeof(KinesisBatchResponse))]
[JsonSerializable(typeof(S3Event))]
[JsonSerializable(typeof(TransformSummary))]
public sealed partial class LambdaJsonContext : JsonSerializerContext;
