using Microsoft.Extensions.Logging;
using Pipeline.Core.Domain;
using Pipeline.Core.Serialization;
using Pipeline.Core.Sources;

namespace Pipeline.Core.Stages;

/// <summary>The outcome of a start request: the run, and whether it is new or an already active run of that source.</summary>
public sealed record StartIngestionResult(IngestionRun Run, bool Created);
