namespace Pipeline.Core.Stages;

/// <summary>What the transform did with one raw object.</summary>
public enum TransformOutcome
{
    Transformed,
    AlreadyTransformed,
    Ignored,
    RunNotActive,
}
