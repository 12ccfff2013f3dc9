using Pipeline.Core.Domain;

namespace Pipeline.Core.Stages;

/// <summary>The outcome of a start request: the run, and whether it is new or an already active run of that source.</summary>
public sealed record StartIngestionResult(IngestionRun Run, bool Created);
