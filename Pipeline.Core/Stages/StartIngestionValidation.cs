
namespace Pipeline.Core.Stages;

/// <summary>The outcome of validating a start-ingestion body: a request to run, or the field that is wrong.</summary>
public sealed record StartIngestionValidation(StartIngestionRequest? Request, FieldError? Error)
{
    public bool IsValid => Error is null;
}
